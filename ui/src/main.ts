// Revoice UI: a queue of files, preset and settings controls, live progress. Everything the
// backend offers comes through the generated, typed `bindings.ts`.
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { commands, events } from "./bindings";
import type { AppInfo, FileInfo_Serialize as FileInfo, Options_Serialize as Options, PresetEntry_Serialize as PresetEntry, Progress, Summary, CatalogVoice } from "./bindings";
import { initPlayer, showBusy, showLoaded, showOutput } from "./player";
import { $, errText, fmtClock, fmtDuration, fmtFormat, optionsEqual, workerLine, type Tally } from "./util";

type JobState = "queued" | "running" | "done" | "failed" | "cancelled" | "invalid";

interface Job {
  id: number;
  file: FileInfo;
  state: JobState;
  chunks: number;
  done: number;
  /** per chunk: "waiting" | "W<n>" | "done" | "cached" | "failed" */
  chunkStage: string[];
  workers: Tally[];
  language: string;
  started?: number;
  error?: string;
  output?: string;
  summary?: Summary;
}

const app = {
  info: null as AppInfo | null,
  voices: [] as CatalogVoice[],
  presets: [] as PresetEntry[],
  jobs: [] as Job[],
  nextId: 1,
  running: null as Job | null,
  /** A chunk being converted for the player: its progress id and file. */
  previewing: null as { id: number; job: Job } | null,
  stopRequested: false,
  lastOutput: null as string | null,
  /** Voices per language (the "Voice per language" rows). */
  voiceFor: {} as Options["voice_for"],
};

// ---------- settings controls <-> Options ----------

function readOptions(): Options {
  const num = (id: string): number | null => {
    const v = ($(id) as HTMLInputElement).value.trim();
    return v === "" ? null : Math.max(1, Math.floor(Number(v)));
  };
  const quality = (document.querySelector('input[name="quality"]:checked') as HTMLInputElement | null)?.value ?? "normal";
  return {
    voice: ($("voice") as HTMLSelectElement).value,
    // Sorted, as the engine keeps it, so comparing with a preset ignores the order of edits.
    voice_for: Object.fromEntries(Object.entries(app.voiceFor).sort(([a], [b]) => a.localeCompare(b))),
    model: ($("model") as HTMLSelectElement).value,
    language: ($("language") as HTMLSelectElement).value,
    quality: quality as Options["quality"],
    device: ($("device") as HTMLSelectElement).value as Options["device"],
    workers: num("workers"),
    threads: num("threads"),
    chunk_secs: Number(($("chunk-secs") as HTMLInputElement).value) || 60,
    use_cache: ($("use-cache") as HTMLSelectElement).value === "true",
    timing: readSwitch("timing"),
    melody: readSwitch("melody"),
    loudness: readSwitch("loudness"),
    pitch_shift: readShift("pitch-shift"),
    formant_shift: readShift("formant-shift"),
  };
}

/** An Auto/On/Off select as the engine's optional switch (Auto: by quality). */
function readSwitch(id: string): boolean | null {
  const v = ($(id) as HTMLSelectElement).value;
  return v === "auto" ? null : v === "on";
}

function writeSwitch(id: string, v: boolean | null | undefined) {
  ($(id) as HTMLSelectElement).value = v == null ? "auto" : v ? "on" : "off";
}

/** Semitones, kept within the engine's ±12. */
function readShift(id: string): number {
  const v = Number(($(id) as HTMLInputElement).value);
  return Number.isFinite(v) ? Math.max(-12, Math.min(12, v)) : 0;
}

/** Languages offered in "Voice per language", by Whisper code. */
const LANGUAGE_NAMES: Record<string, string> = {
  en: "English", ru: "Russian", de: "German", fr: "French", es: "Spanish", it: "Italian",
  uk: "Ukrainian", pl: "Polish", ja: "Japanese", zh: "Chinese",
};

/** One row per language of `app.voiceFor`: language, voice, remove. */
function renderVoiceFor() {
  const rows = Object.entries(app.voiceFor).map(([language, voice]) => {
    const row = document.createElement("div");
    row.className = "row voice-for-row";
    const lang = document.createElement("select");
    lang.setAttribute("aria-label", "Language");
    for (const [code, name] of Object.entries(LANGUAGE_NAMES)) {
      if (code !== language && code in app.voiceFor) continue;
      lang.append(new Option(name, code, false, code === language));
    }
    const pick = document.createElement("select");
    pick.setAttribute("aria-label", `Voice for ${LANGUAGE_NAMES[language] ?? language}`);
    for (const v of app.voices) pick.append(new Option(v.id, v.id, false, v.id === voice));
    if (!app.voices.some((v) => v.id === voice)) pick.append(new Option(`${voice} (not installed)`, voice, false, true));
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Remove the voice for ${LANGUAGE_NAMES[language] ?? language}`);
    lang.onchange = () => updateVoiceFor(() => {
      delete app.voiceFor[language];
      app.voiceFor[lang.value] = voice;
    });
    pick.onchange = () => updateVoiceFor(() => (app.voiceFor[language] = pick.value));
    remove.onclick = () => updateVoiceFor(() => delete app.voiceFor[language]);
    // The panel is narrow: the full names show on hover.
    lang.title = LANGUAGE_NAMES[language] ?? language;
    pick.title = voice;
    row.append(lang, pick, remove);
    return row;
  });
  $("voice-for").replaceChildren(...rows);
  ($("voice-for-add") as HTMLButtonElement).disabled = Object.keys(LANGUAGE_NAMES).every((c) => c in app.voiceFor);
  if (rows.length) ($("voice-for-box") as HTMLDetailsElement).open = true;
}

function updateVoiceFor(change: () => void) {
  app.voiceFor = { ...app.voiceFor };
  change();
  renderVoiceFor();
  refreshModified();
  rememberSettings();
}

/** A new row: the first language the main voice does not speak and that has no row yet,
 * with a voice that speaks it (a neural one first). */
function addVoiceFor() {
  const main = app.voices.find((v) => v.id === ($("voice") as HTMLSelectElement).value);
  const free = Object.keys(LANGUAGE_NAMES).filter((c) => !(c in app.voiceFor));
  const language = free.find((c) => !main?.languages.includes(c)) ?? free[0];
  if (!language) return;
  const speaks = app.voices.find((v) => v.languages.includes(language) && v.engine !== "espeak-ng")
    ?? app.voices.find((v) => v.languages.includes(language))
    ?? app.voices[0];
  if (speaks) updateVoiceFor(() => (app.voiceFor[language] = speaks.id));
}

/** Under the voice: what it speaks and how it sounds ("English · male · neural (medium)"). */
function showVoiceHint() {
  const v = app.voices.find((v) => v.id === ($("voice") as HTMLSelectElement).value);
  const languages = v?.languages.map((l) => LANGUAGE_NAMES[l] ?? l).join(", ");
  $("voice-hint").textContent = v ? `${languages} · ${v.gender} · ${v.quality}` : "";
}

function writeOptions(o: Options) {
  ($("voice") as HTMLSelectElement).value = o.voice;
  showVoiceHint();
  app.voiceFor = { ...(o.voice_for ?? {}) };
  renderVoiceFor();
  ($("model") as HTMLSelectElement).value = o.model;
  ($("language") as HTMLSelectElement).value = o.language;
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="quality"]')) r.checked = r.value === o.quality;
  ($("device") as HTMLSelectElement).value = o.device;
  ($("workers") as HTMLInputElement).value = o.workers == null ? "" : String(o.workers);
  ($("threads") as HTMLInputElement).value = o.threads == null ? "" : String(o.threads);
  ($("chunk-secs") as HTMLInputElement).value = String(o.chunk_secs);
  ($("use-cache") as HTMLSelectElement).value = String(o.use_cache);
  writeSwitch("timing", o.timing);
  writeSwitch("melody", o.melody);
  writeSwitch("loudness", o.loudness);
  ($("pitch-shift") as HTMLInputElement).value = String(o.pitch_shift ?? 0);
  ($("formant-shift") as HTMLInputElement).value = String(o.formant_shift ?? 0);
}

function selectedPreset(): PresetEntry | undefined {
  return app.presets.find((p) => p.name === ($("preset") as HTMLSelectElement).value);
}

/** Show "modified" when the controls no longer match the chosen preset. */
function refreshModified() {
  const p = selectedPreset();
  $("preset-modified").hidden = !p || optionsEqual(p.options, readOptions());
  ($("preset-rename") as HTMLButtonElement).disabled = !p || p.built_in;
  ($("preset-delete") as HTMLButtonElement).disabled = !p || p.built_in;
}

function renderPresets(select?: string) {
  const sel = $("preset") as HTMLSelectElement;
  sel.replaceChildren(
    ...app.presets.map((p) => {
      const o = document.createElement("option");
      o.value = p.name;
      o.textContent = p.built_in ? p.name : `${p.name} (yours)`;
      o.title = p.description;
      return o;
    }),
  );
  if (select) sel.value = select;
}

async function reloadPresets(select?: string) {
  const r = await commands.listPresets();
  if (r.status === "ok") app.presets = r.data;
  else toast(errText(r.error));
  renderPresets(select);
  refreshModified();
}

let saveTimer: number | undefined;
function rememberSettings() {
  window.clearTimeout(saveTimer);
  saveTimer = window.setTimeout(() => {
    void commands.saveUiState({
      options: readOptions(),
      preset: ($("preset") as HTMLSelectElement).value || null,
      output_dir: ($("out-dir") as HTMLInputElement).value.trim() || null,
      format: ($("format") as HTMLSelectElement).value,
    });
  }, 300);
}

// ---------- the queue ----------

async function addFiles(paths: string[]) {
  const fresh = paths.filter((p) => !app.jobs.some((j) => j.file.path === p));
  if (fresh.length === 0) return;
  const infos = await commands.probeFiles(fresh);
  for (const file of infos) {
    app.jobs.push({
      id: app.nextId++,
      file,
      state: file.error ? "invalid" : "queued",
      chunks: 0,
      done: 0,
      chunkStage: [],
      workers: [],
      language: "",
      error: file.error ?? undefined,
    });
  }
  renderJobs();
}

function stateText(j: Job): string {
  switch (j.state) {
    case "queued": return "Waiting";
    case "running": {
      if (!j.started || j.chunks === 0) return "Starting…";
      const elapsed = (Date.now() - j.started) / 1000;
      const eta = j.done > 0 ? (elapsed / j.done) * (j.chunks - j.done) : NaN;
      return `${j.done}/${j.chunks} chunks · ${fmtDuration(elapsed)} elapsed${isNaN(eta) ? "" : ` · ~${fmtDuration(eta)} left`}`;
    }
    case "done": {
      const s = j.summary;
      const cached = s && s.cache_hits > 0 ? ` · ${s.cache_hits} from cache` : "";
      const speed = s?.real_time_factor ? ` (${(1 / s.real_time_factor).toFixed(1)}x real time)` : "";
      return s ? `Done in ${fmtDuration(s.wall_secs ?? 0)}${speed}${cached}` : "Done";
    }
    case "failed": return "Failed";
    case "cancelled": return "Cancelled";
    case "invalid": return "Cannot convert";
  }
}

function renderJobs() {
  const body = document.querySelector("#jobs tbody") as HTMLTableSectionElement;
  body.replaceChildren(...app.jobs.map(jobRow));
  $("empty-queue").hidden = app.jobs.length > 0;
  ($("start") as HTMLButtonElement).disabled = app.running !== null || app.previewing !== null || !app.jobs.some((j) => j.state === "queued" || j.state === "done" || j.state === "cancelled" || j.state === "failed");
  ($("cancel") as HTMLButtonElement).disabled = app.running === null && app.previewing === null;
  ($("open-output") as HTMLButtonElement).disabled = app.lastOutput === null;
}

function jobRow(j: Job): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.dataset.jobId = String(j.id);
  tr.dataset.state = j.state;
  const cell = (text: string, cls?: string) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.append(td);
    return td;
  };
  const name = cell(j.file.name, "name");
  name.title = j.file.path;
  cell(j.file.duration_secs ? fmtDuration(j.file.duration_secs) : "–");
  const format = cell(j.file.format ? fmtFormat(j.file.format, j.file.sample_rate, j.file.channels) : "–", "format");
  format.title = j.file.format ? `${j.file.format}, ${j.file.sample_rate} Hz, ${j.file.channels} channel(s)` : "";
  const lang = cell(j.language || "–");
  if (j.summary?.voices.length) lang.title = `Spoken by ${j.summary.voices.map((v) => `${v.voice} (${v.language})`).join(", ")}`;
  const state = cell("", `state state-${j.state}`);
  const label = document.createElement("div");
  label.className = "state-text";
  label.textContent = stateText(j);
  state.append(label);
  if (j.state === "running" || (j.state === "done" && j.chunks > 0)) {
    const bar = document.createElement("div");
    bar.className = "progress";
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", String(j.chunks || 1));
    bar.setAttribute("aria-valuenow", String(j.done));
    const fill = document.createElement("div");
    fill.style.width = `${j.chunks ? (100 * j.done) / j.chunks : 0}%`;
    bar.append(fill);
    state.append(bar);
  }
  if (j.workers.length > 0 && j.state === "running") {
    const w = document.createElement("div");
    w.className = "workers";
    w.textContent = workerLine(j.workers);
    state.append(w);
    const chunks = document.createElement("div");
    chunks.className = "workers";
    chunks.textContent = j.chunkStage.map((s, i) => `#${i + 1} ${s}`).join(" · ");
    state.append(chunks);
  }
  if (j.error) {
    const d = document.createElement("details");
    d.className = "error";
    const s = document.createElement("summary");
    s.textContent = firstSentence(j.error);
    const pre = document.createElement("pre");
    pre.textContent = j.error;
    d.append(s, pre);
    state.append(d);
  }
  const actions = cell("", "actions-cell");
  const busy = app.running !== null || app.previewing !== null;
  if (j.state === "done" && j.output) {
    actions.append(button("Listen", `Listen to ${j.file.name}, original and converted`, () => void listen(j)));
  } else if (j.state !== "running" && j.state !== "invalid") {
    const b = button("Preview", `Convert the first chunk of ${j.file.name} and play it`, () => void previewChunk(j, 0));
    b.disabled = busy;
    actions.append(b);
  }
  if (j.state !== "running") {
    const rm = document.createElement("button");
    rm.type = "button";
    rm.textContent = "Remove";
    rm.setAttribute("aria-label", `Remove ${j.file.name}`);
    rm.onclick = () => {
      app.jobs = app.jobs.filter((x) => x !== j);
      renderJobs();
    };
    actions.append(rm);
  }
  return tr;
}

function button(text: string, label: string, onclick: () => void): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.onclick = onclick;
  return b;
}

// ---------- the player ----------

/** Load a finished job into the player: its original and its output on one timeline. */
async function listen(j: Job) {
  if (!j.output) return;
  showBusy(`Loading ${j.file.name}…`);
  const r = await commands.playerOpen(j.file.path, j.output);
  if (r.status === "error") return toast(errText(r.error));
  showLoaded({
    title: j.file.name,
    startSecs: 0,
    durationSecs: r.data.duration_secs ?? 0,
    waveOriginal: r.data.waveform_original.map((x) => x ?? 0),
    waveConverted: r.data.waveform_converted.map((x) => x ?? 0),
    transcript: j.summary?.transcript ?? [],
    output: r.data.output,
  });
}

/** Convert only the chunk at `atSecs` of a job's file and load it into the player. */
async function previewChunk(j: Job, atSecs: number) {
  if (app.running || app.previewing) return;
  const id = app.nextId++;
  app.previewing = { id, job: j };
  renderJobs();
  showBusy(`Converting a chunk of ${j.file.name} from ${fmtClock(atSecs)}…`);
  const r = await commands.previewChunk({ id, input: j.file.path, at_secs: atSecs, options: readOptions() });
  app.previewing = null;
  renderJobs();
  if (r.status === "error") {
    showBusy(r.error.kind === "Cancelled" ? "Preview cancelled." : `Preview failed: ${errText(r.error)}`);
    return;
  }
  const p = r.data;
  const start = p.start_secs ?? 0;
  const duration = p.duration_secs ?? 0;
  if (p.transcript[0]?.language) j.language = p.transcript[0].language;
  renderJobs();
  showLoaded({
    title: j.file.name,
    startSecs: start,
    durationSecs: duration,
    waveOriginal: p.waveform_original.map((x) => x ?? 0),
    waveConverted: p.waveform_converted.map((x) => x ?? 0),
    transcript: p.transcript,
    output: p.output,
    chunk: {
      index: p.chunk,
      count: p.chunks,
      next: p.chunk + 1 < p.chunks ? () => void previewChunk(j, start + duration + 0.01) : undefined,
    },
  });
}

function firstSentence(e: string): string {
  const cut = e.indexOf(": ", e.lastIndexOf("/") + 1);
  return cut > 0 && cut < 160 ? e.slice(cut + 2, cut + 2 + 140) : e.slice(0, 140);
}

function onProgress(id: number, p: Progress) {
  if (app.previewing?.id === id) {
    if (p.kind === "pool" && p.event === "chunk_started") showBusy(`Converting a chunk of ${app.previewing.job.file.name} (worker ${p.slot + 1})…`);
    return;
  }
  const j = app.jobs.find((x) => x.id === id);
  if (!j) return;
  switch (p.kind) {
    case "file_started":
      j.chunks = p.chunks;
      j.started = Date.now();
      j.chunkStage = Array.from({ length: p.chunks }, () => "waiting");
      j.workers = Array.from({ length: p.parallelism.workers }, () => ({ done: 0, cached: 0, failed: 0 }));
      break;
    case "pool": {
      const slot = "slot" in p ? p.slot : 0;
      while (j.workers.length <= slot) j.workers.push({ done: 0, cached: 0, failed: 0 });
      if (p.event === "chunk_started") j.chunkStage[p.index] = `W${slot + 1}`;
      if (p.event === "chunk_done") {
        j.done += 1;
        j.chunkStage[p.index] = p.cached ? "cached" : "done";
        if (p.cached) j.workers[slot].cached += 1;
        else j.workers[slot].done += 1;
      }
      if (p.event === "chunk_failed") {
        j.workers[slot].failed += 1;
        j.chunkStage[p.index] = "retrying";
      }
      break;
    }
    case "assembling":
      break;
  }
  renderJobs();
}

async function runQueue() {
  app.stopRequested = false;
  for (const j of app.jobs) if (j.state === "done" || j.state === "cancelled" || j.state === "failed") j.state = "queued";
  while (!app.stopRequested) {
    const j = app.jobs.find((x) => x.state === "queued");
    if (!j) break;
    j.state = "running";
    j.error = undefined;
    j.done = 0;
    app.running = j;
    renderJobs();
    const r = await commands.startJob({
      id: j.id,
      input: j.file.path,
      output_dir: ($("out-dir") as HTMLInputElement).value.trim() || null,
      format: ($("format") as HTMLSelectElement).value,
      options: readOptions(),
    });
    app.running = null;
    if (r.status === "ok") {
      j.state = "done";
      j.summary = r.data.summary;
      j.output = r.data.output;
      j.done = j.chunks;
      j.language = r.data.summary.languages.join(", ");
      app.lastOutput = r.data.output;
      if ($("player").dataset.playing !== "true") void listen(j);
    } else if (r.error.kind === "Cancelled") {
      j.state = "cancelled";
    } else {
      j.state = "failed";
      j.error = errText(r.error);
    }
    renderJobs();
  }
}

// ---------- wiring ----------

function toast(text: string) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  window.setTimeout(() => (t.hidden = true), 4000);
}

async function askName(title: string, initial = ""): Promise<string | null> {
  const dlg = $("name-dialog") as HTMLDialogElement;
  $("name-dialog-title").textContent = title;
  const input = $("name-input") as HTMLInputElement;
  input.value = initial;
  dlg.showModal();
  input.select();
  return new Promise((resolve) => {
    dlg.onclose = () => resolve(dlg.returnValue === "ok" && input.value.trim() ? input.value.trim() : null);
  });
}

async function init() {
  const info = await commands.appInfo();
  app.info = info;
  const voices = await commands.listVoices();
  app.voices = voices.status === "ok" ? voices.data : [];
  ($("voice") as HTMLSelectElement).replaceChildren(
    ...app.voices.map((v) => {
      const o = document.createElement("option");
      o.value = v.id;
      o.textContent = v.id;
      o.title = `${v.engine}, ${v.quality}, ${v.sample_rate} Hz, ${v.gender}; licence: ${v.licence}`;
      return o;
    }),
  );
  const cuda = ($("device") as HTMLSelectElement).querySelector('option[value="cuda"]') as HTMLOptionElement;
  cuda.disabled = !info.gpu.available;
  $("device-hint").textContent = info.gpu.available ? "" : `GPU unavailable: ${info.gpu.reason}`;
  $("parallel-hint").textContent = info.parallelism_hint;
  if (info.models_problem) toast(info.models_problem);

  await reloadPresets();
  const saved = await commands.loadUiState();
  if (saved) {
    renderPresets(saved.preset ?? undefined);
    writeOptions(saved.options);
    ($("out-dir") as HTMLInputElement).value = saved.output_dir ?? "";
    ($("format") as HTMLSelectElement).value = saved.format;
  } else {
    const natural = app.presets.find((p) => p.name === "Natural") ?? app.presets[0];
    renderPresets(natural?.name);
    writeOptions(natural?.options ?? info.defaults);
  }
  refreshModified();
  renderJobs();

  $("voice-for-add").onclick = addVoiceFor;
  $("voice").addEventListener("change", showVoiceHint);
  $("preset").addEventListener("change", () => {
    const p = selectedPreset();
    if (p) writeOptions(p.options);
    refreshModified();
    rememberSettings();
  });
  for (const el of document.querySelectorAll(".settings input, .settings select")) {
    el.addEventListener("change", () => {
      refreshModified();
      rememberSettings();
    });
  }
  $("preset-save").onclick = async () => {
    const name = await askName("Save the current settings as a preset");
    if (!name) return;
    const r = await commands.savePreset(name, readOptions());
    if (r.status === "error") return toast(errText(r.error));
    await reloadPresets(name);
    rememberSettings();
  };
  $("preset-rename").onclick = async () => {
    const p = selectedPreset();
    if (!p || p.built_in) return;
    const name = await askName(`Rename “${p.name}”`, p.name);
    if (!name) return;
    const r = await commands.renamePreset(p.name, name);
    if (r.status === "error") return toast(errText(r.error));
    await reloadPresets(name);
  };
  $("preset-delete").onclick = async () => {
    const p = selectedPreset();
    if (!p || p.built_in) return;
    const r = await commands.deletePreset(p.name);
    if (r.status === "error") return toast(errText(r.error));
    await reloadPresets("Natural");
    const natural = selectedPreset();
    if (natural) writeOptions(natural.options);
    refreshModified();
  };
  $("add-files").onclick = async () => addFiles(await commands.chooseFiles());
  $("choose-out-dir").onclick = async () => {
    const dir = await commands.chooseFolder();
    if (dir) {
      ($("out-dir") as HTMLInputElement).value = dir;
      rememberSettings();
    }
  };
  $("start").onclick = () => void runQueue();
  $("cancel").onclick = async () => {
    app.stopRequested = true;
    if (app.running) await commands.cancelJob(app.running.id);
    if (app.previewing) await commands.cancelJob(app.previewing.id);
  };
  $("open-output").onclick = async () => {
    if (app.lastOutput) await commands.openFolder(app.lastOutput);
  };
  $("open-log").onclick = async () => {
    const r = await commands.openLog();
    if (r.status === "error") toast(`Log: ${app.info?.log_file} (${errText(r.error)})`);
  };
  $("voice-sample").onclick = async () => {
    const voice = ($("voice") as HTMLSelectElement).value;
    const b = $("voice-sample") as HTMLButtonElement;
    b.disabled = true;
    const r = await commands.voiceSample(voice);
    b.disabled = false;
    if (r.status === "error") return toast(`Sample: ${errText(r.error)}`);
    showOutput(r.data);
    toast(r.data.silent ? `Playing a sample of ${voice} (silent: no sound card)` : `Playing a sample of ${voice}`);
  };
  await initPlayer();

  await events.jobEvent.listen((e) => onProgress(e.payload.id, e.payload.progress));
  await getCurrentWebview().onDragDropEvent((e) => {
    const zone = $("drop-zone");
    if (e.payload.type === "enter" || e.payload.type === "over") zone.classList.add("over");
    else zone.classList.remove("over");
    if (e.payload.type === "drop") void addFiles(e.payload.paths);
  });
  window.setInterval(() => app.running && renderJobs(), 1000);
  document.body.dataset.ready = "true";
}

void init();
