// Small pure helpers, kept apart so tests and readers can see them alone.
import type { AppError, Options_Serialize as Options, TranscriptLine } from "./bindings";

export interface Tally {
  done: number;
  cached: number;
  failed: number;
}

export function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el;
}

/** 75 -> "1:15", 3725 -> "1:02:05" */
export function fmtDuration(secs: number): string {
  const s = Math.max(0, Math.round(secs));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
}

/** "W1: 12 done, 3 cached, 0 failed | W2: …" — the same words as the CLI. */
export function workerLine(workers: Tally[]): string {
  return workers.map((t, i) => `W${i + 1}: ${t.done} done, ${t.cached} cached, ${t.failed} failed`).join(" | ");
}

export function optionsEqual(a: Options, b: Options): boolean {
  return (Object.keys(a) as (keyof Options)[]).every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/** 75.25 -> "1:15.2": a player position, to a tenth of a second. */
export function fmtClock(secs: number): string {
  const t = Math.max(0, Math.floor(secs * 10)) / 10;
  const m = Math.floor(t / 60);
  const s = (t - m * 60).toFixed(1).padStart(4, "0");
  return `${m}:${s}`;
}

/** Index of the line being spoken at `ms`, or -1 between lines. */
export function currentLine(lines: TranscriptLine[], ms: number): number {
  return lines.findIndex((l) => l.start_ms <= ms && ms < l.end_ms);
}

/** The message of an error from the backend. */
export function errText(e: AppError): string {
  return "message" in e ? e.message : e.kind;
}

/** Stress marks as readers know them: "+" before a vowel becomes an acute accent on it
 * ("з+амок" -> "за́мок"); any other "+" stays. */
export function showStress(marked: string): string {
  return marked.replace(/\+([аоуыэиеяёюАОУЫЭИЕЯЁЮ])/g, "$1\u0301");
}

/** "flac / flac", 44100, 2 -> "flac, 44.1 kHz, stereo"; "wave / pcm_s16le", 8000, 1 ->
 * "wave / pcm_s16le, 8 kHz, mono": a file's container and codec (once when they are the
 * same), rate and channels, short enough for the queue's Format column. */
export function fmtFormat(format: string, rate: number, channels: number): string {
  const [container, codec] = format.split(" / ");
  const kind = codec === undefined || codec === container ? container : format;
  const khz = `${Number((rate / 1000).toFixed(1))} kHz`;
  const layout = channels === 1 ? "mono" : channels === 2 ? "stereo" : `${channels} ch`;
  return `${kind}, ${khz}, ${layout}`;
}
