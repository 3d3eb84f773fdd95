// Small pure helpers, kept apart so tests and readers can see them alone.
import type { Options_Serialize as Options } from "./bindings";

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
  return (Object.keys(a) as (keyof Options)[]).every((k) => a[k] === b[k]);
}
