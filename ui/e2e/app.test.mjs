// End to end on the real app: revoice-app under a virtual display, driven through
// tauri-driver and WebKitWebDriver (W3C WebDriver). A corpus file is dropped on the window
// (the same tauri://drag-drop event a real drop produces), converted with the default
// preset, and the output checked on disk and played in the preview; then a re-run from the
// cache, a chunk preview, the presets, a cancel mid-way, and a preset kept across a restart.
// The window is saved as docs/screenshot.png.
//
//   node --test ui/e2e/     (needs: target/release/revoice-app, tauri-driver, Xvfb or a display)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const app = join(root, "target", "release", "revoice-app");
const corpus = process.env.REVOICE_CORPUS ?? resolve(root, "..", "shared", "corpus");
const driverPort = 4444;
const base = `http://127.0.0.1:${driverPort}`;
const children = [];
let session;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Worker processes of the app under test (`revoice-app worker`). */
/** The app's worker processes: the app itself, or the AVX-512 build beside it (see README). */
function workers() {
  const out = spawnSync("pgrep", ["-f", `^${dirname(app)}/(revoice-app|revoice-avx512) worker`], { encoding: "utf8" }).stdout;
  return out.split("\n").filter(Boolean);
}

/** One WebDriver request, retried: the driver chain drops a connection now and then. */
async function wd(method, path, body) {
  let last;
  for (let attempt = 0; attempt < 6; attempt++) {
    try {
      const res = await fetch(base + path, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await res.json();
      if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
      return json.value;
    } catch (e) {
      last = e;
      await sleep(500);
    }
  }
  throw last;
}

const exec = (script, args = []) => wd("POST", `/session/${session}/execute/sync`, { script, args });

/** What the window receives when a file is dropped on it. */
async function dropFile(path) {
  await wd("POST", `/session/${session}/execute/async`, {
    script: `const done = arguments[arguments.length - 1];
      window.__TAURI_INTERNALS__.invoke('plugin:event|emit', { event: 'tauri://drag-drop',
        payload: { paths: [arguments[0]], position: { x: 100, y: 100 } } }).then(() => done(true), (e) => done(String(e)));`,
    args: [path],
  });
}

async function waitFor(script, what, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await exec(script).catch(() => false)) return;
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}`);
}

before(async () => {
  assert.ok(existsSync(app), `${app} is missing (run scripts/setup.sh)`);
  // A fresh user: no remembered settings, no presets of one's own, an empty transcript cache.
  const home = mkdtempSync(join(tmpdir(), "revoice-e2e-home-"));
  process.env.REVOICE_CONFIG_DIR = join(home, "config");
  process.env.REVOICE_DATA_DIR = join(home, "data");
  process.env.REVOICE_CACHE_DIR = join(home, "cache");
  if (!process.env.DISPLAY) {
    const xvfb = spawn("Xvfb", [":97", "-screen", "0", "1280x800x24"], { stdio: "ignore" });
    children.push(xvfb);
    process.env.DISPLAY = ":97";
    await sleep(1000);
  }
  const driver = spawn("tauri-driver", ["--port", String(driverPort)], { stdio: "ignore", env: process.env });
  children.push(driver);
  for (let i = 0; i < 40; i++) {
    try {
      await fetch(`${base}/status`);
      break;
    } catch {
      await sleep(250);
    }
  }
  const created = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { "tauri:options": { application: app } } },
  });
  session = created.sessionId;
  await waitFor("return document.body.dataset.ready === 'true'", "the UI to load", 30_000);
});

after(async () => {
  if (session) await wd("DELETE", `/session/${session}`).catch(() => {});
  for (const c of children) c.kill();
});

test("a dropped corpus file converts with the default preset and its output is on disk", async () => {
  const outDir = mkdtempSync(join(tmpdir(), "revoice-e2e-"));
  const input = join(corpus, "jfk.flac");
  assert.equal(await exec("return document.querySelector('#preset').value"), "Natural");
  await exec(
    "const el = document.querySelector('#out-dir'); el.value = arguments[0]; el.dispatchEvent(new Event('change'));",
    [outDir],
  );
  await dropFile(input);
  await waitFor("return document.querySelectorAll('#jobs tbody tr').length === 1", "the file in the queue", 20_000);
  const row = await exec("return document.querySelector('#jobs tbody tr').innerText");
  assert.match(row, /jfk\.flac\s+0:11/);
  await exec("document.querySelector('#start').click()");
  await waitFor("return !!document.querySelector('#jobs tbody tr[data-state=running]')", "the job to start", 20_000);
  await waitFor("return !!document.querySelector('#jobs tbody tr[data-state=done], #jobs tbody tr[data-state=failed]')", "the job to end", 240_000);
  const state = await exec("return document.querySelector('#jobs tbody tr').innerText");
  assert.match(state, /Done in/, state);
  assert.doesNotMatch(state, /from cache/, "a fresh cache: recognition ran");

  const out = join(outDir, "jfk.revoiced.wav");
  assert.ok(existsSync(out), `${out} was not written`);
  const wav = readFileSync(out);
  const dataAt = wav.indexOf("data");
  const samples = wav.readUInt32LE(dataAt + 4) / 2;
  assert.equal(wav.readUInt32LE(24), 44100, "the input's sample rate");
  assert.equal(samples, 485100, "the input's length in samples");

});

test("the finished file plays in the preview, and A/B switches keep the position", async () => {
  // A finished job loads into the player by itself.
  await waitFor("return document.querySelector('#player-what').textContent === 'jfk.flac'", "the player to load", 20_000);
  const device = await exec("return document.querySelector('#player-device').textContent");
  console.log(`sound output: ${device}`);
  assert.ok(device.length > 0, "the player says where the sound goes");
  assert.ok(await exec("return document.querySelectorAll('#transcript li').length") >= 1, "the transcript is listed");

  await exec("document.querySelector('#play').click()");
  const position = () => exec("return Number(document.querySelector('#player').dataset.position)");
  await waitFor("return Number(document.querySelector('#player').dataset.position) > 1.0", "playback to move", 10_000);
  const before = await position();
  await exec("document.querySelector('input[name=ab][value=original]').click()");
  await waitFor("return document.querySelector('#player').dataset.source === 'original'", "the switch to A", 5_000);
  const after = await position();
  assert.ok(after >= before && after < before + 1.0, `A/B kept the place: ${before} -> ${after}`);
  await waitFor(`return Number(document.querySelector('#player').dataset.position) > ${after + 0.5}`, "playback to go on after the switch", 10_000);
  assert.equal(await exec("return document.querySelector('#player').dataset.playing"), "true");
  assert.ok(await exec("return !!document.querySelector('#transcript button[aria-current=true]')"), "the spoken line is highlighted");
  await exec("document.querySelector('input[name=ab][value=converted]').click()");
  await exec("document.querySelector('#play').click()");
  await waitFor("return document.querySelector('#player').dataset.playing === 'false'", "pause", 5_000);

  await sleep(1500); // screenshots lag the page
  const png = await wd("GET", `/session/${session}/screenshot`);
  writeFileSync(join(root, "docs", "screenshot.png"), Buffer.from(png, "base64"));
});

test("converting again is served from the transcript cache", async () => {
  await exec("document.querySelector('#start').click()");
  await waitFor("return !!document.querySelector('#jobs tbody tr[data-state=running]')", "the re-run to start", 20_000);
  await waitFor("return !!document.querySelector('#jobs tbody tr[data-state=done], #jobs tbody tr[data-state=failed]')", "the re-run to end", 240_000);
  const state = await exec("return document.querySelector('#jobs tbody tr').innerText");
  assert.match(state, /1 from cache/, state);
});

test("a chunk previews before converting, and a voice sample plays", async () => {
  await exec("document.querySelector('#jobs button[aria-label^=Remove]').click()");
  await dropFile(join(corpus, "jfk.flac"));
  await waitFor("return !!document.querySelector('#jobs button[aria-label^=Convert]')", "the Preview button", 20_000);
  await exec("document.querySelector('#jobs button[aria-label^=Convert]').click()");
  await waitFor("return /chunk 1 of 1/.test(document.querySelector('#player-what').textContent)", "the chunk preview", 120_000);
  assert.ok(await exec("return document.querySelectorAll('#transcript li').length") >= 1);
  assert.equal(await exec("return document.querySelector('#jobs tbody tr').dataset.state"), "queued", "nothing was written");

  await exec("document.querySelector('#voice-sample').click()");
  await waitFor("return /Playing a sample of en_US-joe-medium/.test(document.querySelector('#toast').textContent)", "the voice sample", 30_000);
});

test("each built-in preset sets the controls from its file in assets/presets", async () => {
  const expected = {
    "Fast draft": { model: "tiny.en", quality: "fast", chunk: "60" },
    Natural: { model: "base-q8_0", quality: "normal", chunk: "60" },
    "Best quality": { model: "base", quality: "high", chunk: "45" },
  };
  for (const [name, want] of Object.entries(expected)) {
    await exec(
      "const s = document.querySelector('#preset'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));",
      [name],
    );
    const got = await exec(`return {
      model: document.querySelector('#model').value,
      quality: document.querySelector('input[name=quality]:checked').value,
      chunk: document.querySelector('#chunk-secs').value,
      modified: !document.querySelector('#preset-modified').hidden }`);
    assert.deepEqual(got, { ...want, modified: false }, name);
  }
});

test("cancel stops a long job mid-way and leaves no file behind", async () => {
  const outDir = mkdtempSync(join(tmpdir(), "revoice-e2e-cancel-"));
  await exec(
    `const el = document.querySelector('#out-dir'); el.value = arguments[0]; el.dispatchEvent(new Event('change'));
     const c = document.querySelector('#chunk-secs'); c.value = '20'; c.dispatchEvent(new Event('change'));`,
    [outDir],
  );
  await exec("for (const b of document.querySelectorAll('#jobs button[aria-label^=Remove]')) b.click()");
  await dropFile(join(corpus, "lecture_en.wav"));
  await waitFor("return document.querySelectorAll('#jobs tbody tr[data-state=queued]').length === 1", "the lecture in the queue", 20_000);
  await exec("document.querySelector('#start').click()");
  await waitFor("return /chunks/.test(document.querySelector('#jobs tbody tr[data-state=running]')?.innerText ?? '')", "chunks to start", 60_000);
  assert.ok(workers().length > 0, "workers are running");
  // Time it inside the page: from the click to the row saying "Cancelled".
  await exec(`window.__cancelMs = null;
    const t0 = performance.now();
    new MutationObserver((_, obs) => {
      if (document.querySelector('#jobs tbody tr[data-state=cancelled]')) { window.__cancelMs = performance.now() - t0; obs.disconnect(); }
    }).observe(document.querySelector('#jobs'), { subtree: true, childList: true, attributes: true });
    document.querySelector('#cancel').click();`);
  await waitFor("return window.__cancelMs !== null", "the job to stop", 10_000);
  const ms = await exec("return window.__cancelMs");
  console.log(`cancelled in ${ms.toFixed(0)} ms; workers left: ${workers().length}`);
  assert.ok(ms < 2000, `cancel is prompt: ${ms} ms`);
  assert.deepEqual(workers(), [], "the workers were stopped");
  assert.deepEqual(readdirSync(outDir), [], "no output, no temporary file");
});

test("a preset of one's own is there after a restart", async () => {
  await exec("document.querySelector('#preset-save').click()");
  await exec(
    "const i = document.querySelector('#name-input'); i.value = 'Lecture 20s'; document.querySelector('#name-dialog button[value=ok]').click();",
  );
  await waitFor("return document.querySelector('#preset').value === 'Lecture 20s'", "the preset to be saved", 10_000);
  await sleep(1000); // the remembered settings are written after a short pause

  await wd("DELETE", `/session/${session}`);
  const created = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { "tauri:options": { application: app } } },
  });
  session = created.sessionId;
  await waitFor("return document.body.dataset.ready === 'true'", "the restarted UI", 30_000);
  const names = await exec("return [...document.querySelectorAll('#preset option')].map((o) => o.textContent)");
  assert.ok(names.includes("Lecture 20s (yours)"), names.join(", "));
  assert.equal(await exec("return document.querySelector('#preset').value"), "Lecture 20s", "the last settings are remembered");
  assert.equal(await exec("return document.querySelector('#chunk-secs').value"), "20");
});
