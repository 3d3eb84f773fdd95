// The preview player panel: two waveforms (A original, B converted) on one timeline, an A/B
// switch that keeps the position (the Rust side plays both through the sound device and
// only changes which track the next sample comes from), and the transcript as a list that
// seeks on click and follows playback.
import { commands, events } from "./bindings";
import type { OutputInfo, PlayerStatus, Source, TranscriptLine } from "./bindings";
import { $, currentLine, errText, fmtClock, showStress } from "./util";

/** What is loaded: a finished file, or one chunk converted ahead of its file. */
export interface Loaded {
  title: string;
  /** Where the loaded audio starts in the file (0 for a whole file). */
  startSecs: number;
  durationSecs: number;
  waveOriginal: number[];
  waveConverted: number[];
  transcript: TranscriptLine[];
  output: OutputInfo;
  /** For a chunk preview: which chunk of how many, and a way to the next one. */
  chunk?: { index: number; count: number; next?: () => void };
}

const player = {
  loaded: null as Loaded | null,
  status: null as PlayerStatus | null,
  activeLine: -1,
};

/** Put new audio in the player (playback stops at its start). */
export function showLoaded(l: Loaded) {
  player.loaded = l;
  player.activeLine = -1;
  player.status = { position_secs: 0, duration_secs: l.durationSecs, playing: false, source: selectedSource(), sample_playing: false };
  const range = `${fmtClock(l.startSecs)}–${fmtClock(l.startSecs + l.durationSecs)}`;
  $("player-what").textContent = l.chunk ? `${l.title} · chunk ${l.chunk.index + 1} of ${l.chunk.count} (${range})` : l.title;
  const next = $("player-next") as HTMLButtonElement;
  next.hidden = !l.chunk;
  next.disabled = !l.chunk?.next;
  showOutput(l.output);
  renderTranscript();
  render();
}

/** Say where the sound goes: plainly, when there is no sound card. */
export function showOutput(o: OutputInfo) {
  const note = $("player-device");
  note.textContent = o.silent ? "No sound card: plays silently (ALSA null device)" : `${o.device}, ${o.rate} Hz`;
  note.title = o.silent
    ? `This machine has no sound card, so the preview plays to ALSA's null device (${o.device}): the position moves in real time, nothing is heard.`
    : `Sound output: ${o.device} at ${o.rate} Hz`;
  note.classList.toggle("warn", o.silent);
}

/** Show that something is being prepared for the player. */
export function showBusy(text: string) {
  $("player-what").textContent = text;
  ($("play") as HTMLButtonElement).disabled = true;
}

function selectedSource(): Source {
  return ((document.querySelector('input[name="ab"]:checked') as HTMLInputElement | null)?.value ?? "converted") as Source;
}

function renderTranscript() {
  const list = $("transcript");
  const l = player.loaded;
  list.replaceChildren(
    ...(l?.transcript ?? []).map((line, i) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.index = String(i);
      const t = document.createElement("span");
      t.className = "time";
      t.textContent = fmtClock(line.start_ms / 1000);
      b.append(t, document.createTextNode(showStress(line.spoken)));
      if (line.spoken !== line.text) b.title = "Stress as spoken: edit the marks in the cached transcript to change it";
      b.onclick = () => void seek(line.start_ms / 1000 - (l?.startSecs ?? 0), true);
      li.append(b);
      return li;
    }),
  );
  const empty = (l?.transcript.length ?? 0) === 0;
  list.hidden = empty;
  $("transcript-empty").hidden = !empty;
}

/** Redraw what depends on the position: time, playhead, highlighted line, buttons. */
function render() {
  const l = player.loaded;
  const s = player.status;
  const pos = s?.position_secs ?? 0;
  const dur = l?.durationSecs ?? 0;
  const play = $("play") as HTMLButtonElement;
  play.disabled = !l;
  play.textContent = s?.playing ? "❚❚ Pause" : "▶ Play";
  play.setAttribute("aria-label", s?.playing ? "Pause" : "Play");
  $("player-time").textContent = `${fmtClock(pos + (l?.startSecs ?? 0))} / ${fmtClock((l?.startSecs ?? 0) + dur)}`;
  drawWave("wave-original", l?.waveOriginal ?? [], dur > 0 ? pos / dur : 0, selectedSource() === "original");
  drawWave("wave-converted", l?.waveConverted ?? [], dur > 0 ? pos / dur : 0, selectedSource() === "converted");
  const line = l ? currentLine(l.transcript, (l.startSecs + pos) * 1000) : -1;
  if (line !== player.activeLine) {
    player.activeLine = line;
    for (const b of document.querySelectorAll<HTMLButtonElement>("#transcript button")) {
      const on = Number(b.dataset.index) === line;
      b.classList.toggle("current", on);
      if (on) {
        b.setAttribute("aria-current", "true");
        b.scrollIntoView({ block: "nearest" });
      } else b.removeAttribute("aria-current");
    }
  }
  const wrap = $("player");
  wrap.dataset.playing = String(!!s?.playing);
  wrap.dataset.source = selectedSource();
  wrap.dataset.position = pos.toFixed(3);
}

function drawWave(id: string, peaks: number[], at: number, active: boolean) {
  const canvas = $(id) as HTMLCanvasElement;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  if (!ctx || w === 0) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const css = getComputedStyle(document.documentElement);
  const played = css.getPropertyValue("--accent").trim();
  const rest = css.getPropertyValue(active ? "--wave" : "--wave-dim").trim();
  const mid = h / 2;
  const n = peaks.length;
  for (let x = 0; x < w; x++) {
    let peak = 0;
    const from = Math.floor((x / w) * n);
    const to = Math.max(from + 1, Math.floor(((x + 1) / w) * n));
    for (let i = from; i < to && i < n; i++) peak = Math.max(peak, peaks[i] ?? 0);
    const half = Math.max(0.5, peak * (mid - 1));
    ctx.fillStyle = x / w < at ? played : rest;
    ctx.fillRect(x, mid - half, 1, half * 2);
  }
  ctx.fillStyle = css.getPropertyValue("--text").trim();
  ctx.fillRect(Math.round(at * w), 0, 1, h);
}

async function seek(secs: number, andPlay = false) {
  const l = player.loaded;
  if (!l) return;
  player.status = await commands.playerSeek(Math.min(Math.max(0, secs), l.durationSecs));
  if (andPlay && !player.status.playing) await togglePlay();
  render();
}

export async function togglePlay() {
  if (!player.loaded) return;
  if (player.status?.playing) player.status = await commands.playerPause();
  else {
    const r = await commands.playerPlay();
    if (r.status === "ok") player.status = r.data;
    else $("player-what").textContent = errText(r.error);
  }
  render();
}

async function select(source: Source) {
  player.status = await commands.playerSelect(source);
  render();
}

export async function initPlayer() {
  $("play").onclick = () => void togglePlay();
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="ab"]')) {
    r.addEventListener("change", () => void select(r.value as Source));
  }
  for (const id of ["wave-original", "wave-converted"]) {
    const canvas = $(id);
    canvas.addEventListener("click", (e) => {
      const l = player.loaded;
      if (!l) return;
      const box = canvas.getBoundingClientRect();
      void seek(((e.clientX - box.left) / box.width) * l.durationSecs);
    });
  }
  $("player-next").onclick = () => player.loaded?.chunk?.next?.();
  // Space plays and pauses, unless a text field or another control wants the key.
  document.addEventListener("keydown", (e) => {
    if (e.key !== " " || e.repeat) return;
    const t = e.target as HTMLElement;
    if (t.closest("input, select, textarea, button, dialog, [contenteditable]")) return;
    e.preventDefault();
    void togglePlay();
  });
  new ResizeObserver(() => render()).observe($("player"));
  await events.playerEvent.listen((e) => {
    player.status = e.payload.status;
    render();
  });
  render();
}
