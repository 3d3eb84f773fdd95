// A stand-in for the Rust side at the IPC boundary, injected before the page loads: it
// answers the same commands (by their wire names) and lets a test emit backend events.
// Tests read what the page asked for from window.__mock.calls.
(() => {
  const callbacks = new Map();
  const listeners = new Map(); // event name -> [handler ids]
  let nextId = 1;
  const calls = [];
  const pendingJobs = new Map(); // id -> {resolve, reject}
  const prosody = { timing: null, melody: null, loudness: null, pitch_shift: 0, formant_shift: 0 };
  const presets = [
    { name: "Fast draft", description: "Quickest", built_in: true,
      options: { voice: "en_US-joe-medium", model: "tiny.en", language: "en", quality: "fast", device: "auto", workers: null, threads: null, chunk_secs: 60, use_cache: true, voice_for: {}, ...prosody } },
    { name: "Natural", description: "Balanced", built_in: true,
      options: { voice: "en_US-joe-medium", model: "base-q8_0", language: "auto", quality: "normal", device: "auto", workers: null, threads: null, chunk_secs: 60, use_cache: true, voice_for: {}, ...prosody } },
    { name: "Best quality", description: "Most accurate", built_in: true,
      options: { voice: "en_US-joe-medium", model: "base", language: "auto", quality: "high", device: "auto", workers: null, threads: null, chunk_secs: 45, use_cache: true, voice_for: {}, ...prosody } },
    { name: "Deeper voice", description: "Lower and larger", built_in: true,
      options: { voice: "en_US-joe-medium", model: "base-q8_0", language: "auto", quality: "normal", device: "auto", workers: null, threads: null, chunk_secs: 60, use_cache: true, voice_for: {}, ...prosody, pitch_shift: -3, formant_shift: -2 } },
  ];
  const durations = { "jfk.flac": 11.0, "lecture_en.wav": 60.0, "notes.wav": 0 };

  // The player: a position that only moves when a test says so, and the chosen track.
  const player = { position_secs: 0, duration_secs: 0, playing: false, source: "converted", sample_playing: false };
  const status = () => ({ ...player });
  const wave = (n, f) => Array.from({ length: 1200 }, (_, i) => Math.abs(Math.sin(i / n)) * f);
  const nullOutput = { device: "alsa:null", rate: 44100, silent: true };
  const pendingPreviews = new Map();

  function emit(event, payload) {
    for (const id of listeners.get(event) ?? []) {
      const cb = callbacks.get(id);
      if (cb) cb({ event, id, payload });
    }
  }

  const handlers = {
    app_info: () => ({
      version: "0.1.0", cores: 2, memory_mib: 20000,
      parallelism_hint: "Default for this machine (2 cores): 1 worker(s), 2 thread(s) each",
      gpu: { available: false, reason: "this build of revoice has no CUDA support" },
      models_problem: null, log_file: "/tmp/revoice.log", defaults: presets[1].options,
    }),
    list_voices: () => [
      { id: "en_US-joe-medium", engine: "piper", languages: ["en"], gender: "male", sample_rate: 22050, quality: "neural (medium)", licence: "MIT" },
      { id: "espeak:ru", engine: "espeak-ng", languages: ["ru"], gender: "male", sample_rate: 22050, quality: "robotic (formant synthesis)", licence: "GPL-3.0-or-later (espeak-ng)" },
    ],
    list_presets: () => presets,
    save_preset: ({ name, options }) => {
      presets.push({ name, description: "Your preset", built_in: false, options });
      return null;
    },
    rename_preset: ({ from, to }) => { presets.find((p) => p.name === from).name = to; return null; },
    delete_preset: ({ name }) => { presets.splice(presets.findIndex((p) => p.name === name), 1); return null; },
    probe_files: ({ paths }) => paths.map((path) => {
      const name = path.split("/").pop();
      const bad = name === "notes.wav";
      return {
        path, name, duration_secs: durations[name] ?? 5, format: bad ? "" : "flac / flac",
        sample_rate: bad ? 0 : 44100, channels: bad ? 0 : 2,
        error: bad ? `${path}: not a supported audio file (no suitable format reader found)` : null,
      };
    }),
    choose_files: () => ["/corpus/jfk.flac"],
    choose_folder: () => "/tmp/out",
    start_job: ({ request }) => new Promise((resolve, reject) => pendingJobs.set(request.id, { resolve, reject, request })),
    cancel_job: ({ id }) => {
      const preview = pendingPreviews.get(id);
      if (preview) {
        pendingPreviews.delete(id);
        preview.reject({ kind: "Cancelled" });
        return true;
      }
      const job = pendingJobs.get(id);
      if (!job) return false;
      pendingJobs.delete(id);
      job.reject({ kind: "Cancelled" });
      return true;
    },
    preview_chunk: ({ request }) => new Promise((resolve, reject) => pendingPreviews.set(request.id, { resolve, reject, request })),
    player_open: () => {
      Object.assign(player, { position_secs: 0, duration_secs: 11, playing: false });
      return { duration_secs: 11, waveform_original: wave(40, 0.8), waveform_converted: wave(25, 0.6), output: nullOutput };
    },
    player_play: () => { player.playing = true; return status(); },
    player_pause: () => { player.playing = false; return status(); },
    player_seek: ({ secs }) => { player.position_secs = secs; return status(); },
    player_select: ({ source }) => { player.source = source; return status(); },
    player_status: () => status(),
    voice_sample: () => nullOutput,
    open_folder: () => null,
    open_log: () => null,
    load_ui_state: () => null,
    save_ui_state: () => null,
    "plugin:event|listen": ({ event, handler }) => {
      listeners.set(event, [...(listeners.get(event) ?? []), handler]);
      return handler;
    },
    "plugin:event|unlisten": () => null,
  };

  window.__TAURI_INTERNALS__ = {
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
    transformCallback(cb) {
      const id = nextId++;
      callbacks.set(id, cb);
      return id;
    },
    unregisterCallback(id) { callbacks.delete(id); },
    async invoke(cmd, args) {
      calls.push({ cmd, args });
      const h = handlers[cmd];
      if (!h) throw new Error(`mock backend: no command ${cmd}`);
      return h(args ?? {});
    },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener() {} };

  window.__mock = {
    calls,
    emit,
    jobs: pendingJobs,
    finish(id, summary) {
      const job = pendingJobs.get(id);
      pendingJobs.delete(id);
      job.resolve({ id, output: `/tmp/out/${id}.revoiced.wav`, summary });
    },
    player,
    /** Move the player as the Rust side would while playing, and tell the page. */
    tick(secs) {
      player.position_secs = secs;
      emit("player-event", { status: status() });
    },
    finishPreview(id, preview) {
      const p = pendingPreviews.get(id);
      pendingPreviews.delete(id);
      Object.assign(player, { position_secs: 0, duration_secs: preview.duration_secs, playing: false });
      p.resolve({ ...preview, waveform_original: wave(30, 0.7), waveform_converted: wave(20, 0.5), output: nullOutput });
    },
    fail(id, error) {
      const job = pendingJobs.get(id);
      pendingJobs.delete(id);
      job.reject(error);
    },
  };
})();
