// The UI in a real browser (Debian Chromium via playwright-core) against the built page,
// with the Rust backend replaced at the IPC boundary by mock-backend.js.
import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { extname, join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "dist");
const shots = join(here, "screenshots");
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

let server, browser, page, url;

before(async () => {
  server = http.createServer(async (req, res) => {
    const path = join(dist, req.url === "/" ? "index.html" : req.url.split("?")[0]);
    let body;
    try {
      body = await readFile(path);
    } catch {
      return res.writeHead(404).end();
    }
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  await mkdir(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.errors = errors;
  await page.addInitScript({ path: join(here, "mock-backend.js") });
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]");
});

afterEach(async () => {
  await page?.close();
});

const calls = (cmd) => page.evaluate((c) => window.__mock.calls.filter((x) => x.cmd === c).map((x) => x.args), cmd);
const drop = (paths) => page.evaluate((p) => window.__mock.emit("tauri://drag-drop", { paths: p, position: { x: 10, y: 10 } }), paths);
const progress = (id, p) => page.evaluate(([i, pr]) => window.__mock.emit("job-event", { id: i, progress: pr }), [id, p]);
const summary = {
  input: "/corpus/jfk.flac", output: "/tmp/out/1.revoiced.wav", duration_secs: 11, sample_rate: 44100,
  output_samples: 485100, chunks: 2, cache_hits: 0, languages: ["en"], segments: 1,
  voices: [{ language: "en", voice: "en_US-joe-medium" }],
  parallelism: { workers: 2, threads: 1, reason: "2 worker(s)" },
  simd: "avx2", simd_why: "this CPU has no AVX-512 with VNNI",
  stages: { decode: 0, recognition: 3, synthesis: 1, fit: 0.2, assemble: 0, encode: 0 },
  wall_secs: 5.5, real_time_factor: 0.5, peak_rss_mib_supervisor: 20, peak_rss_mib_worker: 400,
  transcript: [
    { start_ms: 0, end_ms: 4000, text: "And so, my fellow Americans,", spoken: "And so, my fellow Americans,", language: "en" },
    { start_ms: 4000, end_ms: 11000, text: "ask not what your country can do for you.", spoken: "ask not what your country can do for you.", language: "en" },
  ],
};

/** Convert jfk.flac through the mocked engine, with `cached` of its 2 chunks from the cache. */
async function convertJfk(cached = 0) {
  const before = (await calls("start_job")).length;
  await page.click("#start");
  await page.waitForFunction((n) => window.__mock.calls.filter((c) => c.cmd === "start_job").length > n, before);
  const req = (await calls("start_job")).at(-1);
  const id = req.request.id;
  await progress(id, { kind: "file_started", input: "/corpus/jfk.flac", duration_secs: 11, chunks: 2, cached,
    parallelism: { workers: 2, threads: 1, reason: "" } });
  for (const index of [0, 1]) {
    await progress(id, { kind: "pool", event: "chunk_started", slot: index, index });
    await progress(id, { kind: "pool", event: "chunk_done", slot: index, index, cached: index < cached });
  }
  await page.evaluate(([i, s]) => window.__mock.finish(i, s), [id, { ...summary, cache_hits: cached }]);
  await page.waitForSelector("#jobs tbody tr[data-state=done]");
}

test("presets fill the controls and a changed control marks the preset modified", async () => {
  assert.equal(await page.inputValue("#preset"), "Natural");
  await page.selectOption("#preset", "Fast draft");
  assert.equal(await page.inputValue("#model"), "tiny.en");
  assert.equal(await page.isChecked('input[name=quality][value=fast]'), true);
  assert.equal(await page.isHidden("#preset-modified"), true);
  await page.fill("#workers", "3");
  await page.dispatchEvent("#workers", "change");
  assert.equal(await page.isVisible("#preset-modified"), true);
  await page.selectOption("#preset", "Best quality");
  assert.equal(await page.inputValue("#chunk-secs"), "45");
  assert.equal(await page.isHidden("#preset-modified"), true);
  assert.equal(await page.isDisabled('#device option[value="cuda"]'), true);
  assert.match(await page.textContent("#device-hint"), /no CUDA support/);
  assert.deepEqual(page.errors, []);
});

test("prosody switches and voice transforms come from presets and reach the engine", async () => {
  await page.selectOption("#preset", "Deeper voice");
  assert.equal(await page.inputValue("#pitch-shift"), "-3");
  assert.equal(await page.inputValue("#formant-shift"), "-2");
  assert.equal(await page.inputValue("#melody"), "auto");
  await page.selectOption("#melody", "off");
  assert.equal(await page.isVisible("#preset-modified"), true);
  await drop(["/corpus/jfk.flac"]);
  await page.waitForSelector("#jobs tbody tr");
  await page.click("#start");
  const [req] = await calls("start_job");
  const o = req.request.options;
  assert.deepEqual(
    [o.timing, o.melody, o.loudness, o.pitch_shift, o.formant_shift],
    [null, false, null, -3, -2],
  );
  await page.screenshot({ path: "tests/screenshots/prosody-controls.png", fullPage: true });
  assert.deepEqual(page.errors, []);
});

test("dropped files join the queue with their length and format; bad ones say why", async () => {
  await drop(["/corpus/jfk.flac", "/corpus/lecture_en.wav", "/tmp/notes.wav"]);
  await page.waitForSelector("#jobs tbody tr:nth-child(3)");
  const rows = await page.$$eval("#jobs tbody tr", (trs) => trs.map((tr) => tr.innerText));
  assert.match(rows[0], /jfk\.flac\s+0:11\s+flac, 44\.1 kHz, stereo/);
  assert.match(rows[1], /lecture_en\.wav\s+1:00/);
  assert.match(rows[2], /Cannot convert/);
  assert.match(rows[2], /not a supported audio file/);
});

test("start, live progress per worker and chunk, then done", async () => {
  await drop(["/corpus/jfk.flac"]);
  await page.waitForSelector("#jobs tbody tr");
  await page.click("#start");
  const [req] = await calls("start_job");
  assert.equal(req.request.input, "/corpus/jfk.flac");
  assert.equal(req.request.options.model, "base-q8_0");
  const id = req.request.id;
  await progress(id, { kind: "file_started", input: "/corpus/jfk.flac", duration_secs: 11, chunks: 2, cached: 0,
    parallelism: { workers: 2, threads: 1, reason: "" } });
  await progress(id, { kind: "pool", event: "chunk_started", slot: 0, index: 0 });
  await progress(id, { kind: "pool", event: "chunk_started", slot: 1, index: 1 });
  await progress(id, { kind: "pool", event: "chunk_done", slot: 1, index: 1, cached: false });
  const running = await page.textContent("#jobs tbody tr");
  assert.match(running, /1\/2 chunks/);
  assert.match(running, /W1: 0 done, 0 cached, 0 failed \| W2: 1 done, 0 cached, 0 failed/);
  assert.match(running, /#1 W1 · #2 done/);
  assert.equal(await page.isEnabled("#cancel"), true);
  await page.screenshot({ path: join(shots, "running.png") });
  await progress(id, { kind: "pool", event: "chunk_done", slot: 0, index: 0, cached: false });
  await page.evaluate(([i, s]) => window.__mock.finish(i, s), [id, summary]);
  await page.waitForSelector("#jobs tbody tr[data-state=done]");
  assert.match(await page.textContent("#jobs tbody tr"), /Done in 0:06 \(2\.0x real time\)/);
  assert.equal(await page.isEnabled("#open-output"), true);
  await page.click("#open-output");
  assert.equal((await calls("open_folder"))[0].path, "/tmp/out/1.revoiced.wav");
});

test("cancel stops the running job", async () => {
  await drop(["/corpus/lecture_en.wav", "/corpus/jfk.flac"]);
  await page.waitForSelector("#jobs tbody tr:nth-child(2)");
  await page.click("#start");
  await page.waitForSelector("#jobs tbody tr[data-state=running]");
  await page.click("#cancel");
  await page.waitForSelector("#jobs tbody tr[data-state=cancelled]");
  assert.equal((await calls("cancel_job")).length, 1);
  assert.equal((await calls("start_job")).length, 1, "the queue stops after a cancel");
  assert.match(await page.textContent("#jobs tbody tr"), /Cancelled/);
});

test("an engine error shows next to its job, details one click away", async () => {
  await drop(["/corpus/jfk.flac"]);
  await page.waitForSelector("#jobs tbody tr");
  await page.click("#start");
  const [req] = await calls("start_job");
  const message = "/corpus/jfk.flac: truncated: the file ends mid-stream after 3.2 s of audio";
  await page.evaluate(([i, m]) => window.__mock.fail(i, { kind: "Engine", message: m }), [req.request.id, message]);
  await page.waitForSelector("#jobs tbody tr[data-state=failed]");
  assert.equal(await page.isVisible("details.error summary"), true);
  assert.match(await page.textContent("details.error summary"), /truncated: the file ends mid-stream/);
  await page.click("details.error summary");
  assert.equal(await page.textContent("details.error pre"), message);
});

test("save the current settings as a preset of one's own", async () => {
  await page.fill("#chunk-secs", "30");
  await page.dispatchEvent("#chunk-secs", "change");
  await page.click("#preset-save");
  await page.fill("#name-input", "Podcast");
  await page.click('#name-dialog button[value=ok]');
  await page.waitForFunction(() => document.querySelector("#preset").value === "Podcast");
  const [saved] = await calls("save_preset");
  assert.equal(saved.name, "Podcast");
  assert.equal(saved.options.chunk_secs, 30);
  assert.equal(await page.isHidden("#preset-modified"), true);
  assert.equal(await page.isEnabled("#preset-delete"), true);
  await page.screenshot({ path: join(shots, "preset-saved.png") });
});

test("a voice per language: added, chosen, sent with the job, removed", async () => {
  await page.click("#voice-for-box summary");
  await page.click("#voice-for-add");
  // The first language joe (the main voice, English) does not speak, with a voice for it.
  assert.equal(await page.inputValue('.voice-for-row select[aria-label="Language"]'), "ru");
  assert.equal(await page.inputValue('.voice-for-row select[aria-label="Voice for Russian"]'), "espeak:ru");
  assert.equal(await page.isVisible("#preset-modified"), true);
  await page.screenshot({ path: join(shots, "voice-per-language.png") });
  await drop(["/corpus/jfk.flac"]);
  await page.waitForSelector("#jobs tbody tr");
  await page.click("#start");
  await page.waitForFunction(() => window.__mock.calls.some((c) => c.cmd === "start_job"));
  const [req] = await calls("start_job");
  assert.deepEqual(req.request.options.voice_for, { ru: "espeak:ru" });
  await page.click('button[aria-label="Remove the voice for Russian"]');
  assert.equal(await page.locator(".voice-for-row").count(), 0);
  assert.equal(await page.isHidden("#preset-modified"), true);
  assert.deepEqual(page.errors, []);
});

test("a re-run served from the transcript cache says so", async () => {
  await drop(["/corpus/jfk.flac"]);
  await page.waitForSelector("#jobs tbody tr");
  await convertJfk(0);
  assert.doesNotMatch(await page.textContent("#jobs tbody tr"), /from cache/);
  await convertJfk(2);
  assert.match(await page.textContent("#jobs tbody tr"), /2 from cache/);
});

test("the player: a finished job loads, plays, and A/B switches at the same position", async () => {
  await drop(["/corpus/jfk.flac"]);
  await page.waitForSelector("#jobs tbody tr");
  await convertJfk(0);
  // A finished job goes into the player by itself; "Listen" loads it again.
  await page.waitForFunction(() => document.querySelector("#player-what").textContent === "jfk.flac");
  await page.click('#jobs button:has-text("Listen")');
  const [opened] = (await calls("player_open")).slice(-1);
  assert.deepEqual(opened, { original: "/corpus/jfk.flac", converted: "/tmp/out/1.revoiced.wav" });
  assert.match(await page.textContent("#player-device"), /No sound card: plays silently \(ALSA null device\)/);
  assert.equal(await page.$$eval("#transcript li", (l) => l.length), 2);

  await page.click("#play");
  assert.equal(await page.getAttribute("#play", "aria-label"), "Pause");
  await page.evaluate(() => window.__mock.tick(5.25));
  await page.waitForFunction(() => document.querySelector("#player").dataset.position === "5.250");
  assert.match(await page.textContent("#player-time"), /0:05\.2 \/ 0:11\.0/);
  // The line being spoken at 5.25 s is highlighted.
  assert.match(await page.textContent("#transcript button[aria-current=true]"), /ask not/);

  // A/B: the switch asks for the other track and nothing else; the position stays.
  await page.click('label:has(input[name=ab][value=original])');
  const selects = await calls("player_select");
  assert.deepEqual(selects.at(-1), { source: "original" });
  assert.equal((await calls("player_seek")).length, 0, "switching does not seek");
  assert.equal(await page.getAttribute("#player", "data-source"), "original");
  assert.equal(await page.getAttribute("#player", "data-position"), "5.250");
  await page.screenshot({ path: join(shots, "player.png") });

  // A transcript line seeks to its start.
  await page.click("#transcript li:first-child button");
  assert.deepEqual((await calls("player_seek")).at(-1), { secs: 0 });
  // Space pauses when no control has the focus.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("Space");
  assert.equal((await calls("player_pause")).length, 1);
  assert.deepEqual(page.errors, []);
});

test("preview one chunk before converting the whole file", async () => {
  await drop(["/corpus/lecture_en.wav"]);
  await page.waitForSelector("#jobs tbody tr");
  await page.click('#jobs button:has-text("Preview")');
  const [req] = await calls("preview_chunk");
  assert.equal(req.request.input, "/corpus/lecture_en.wav");
  assert.equal(req.request.at_secs, 0);
  assert.equal(await page.isDisabled("#start"), true, "one thing at a time");
  await page.evaluate((id) => window.__mock.finishPreview(id, {
    chunk: 0, chunks: 3, start_secs: 0, duration_secs: 20.5,
    transcript: [{ start_ms: 300, end_ms: 5000, text: "Welcome to the lecture.", language: "en" }],
  }), req.request.id);
  await page.waitForFunction(() => /chunk 1 of 3/.test(document.querySelector("#player-what").textContent));
  assert.match(await page.textContent("#player-what"), /lecture_en\.wav · chunk 1 of 3 \(0:00\.0–0:20\.5\)/);
  assert.equal(await page.textContent("#jobs tbody tr td:nth-child(4)"), "en", "the detected language shows");
  assert.equal(await page.isEnabled("#start"), true);
  await page.click("#player-next");
  const next = (await calls("preview_chunk")).at(-1);
  assert.ok(next.request.at_secs > 20.5, `next chunk starts after this one: ${next.request.at_secs}`);
  await page.click("#cancel");
  await page.waitForFunction(() => /Preview cancelled/.test(document.querySelector("#player-what").textContent));
});

test("the voice sample button plays a sample and says when nothing can be heard", async () => {
  // What the chosen voice speaks and how it sounds, under its name.
  assert.equal(await page.textContent("#voice-hint"), "English · male · neural (medium)");
  await page.click("#voice-sample");
  assert.deepEqual((await calls("voice_sample"))[0], { voice: "en_US-joe-medium" });
  await page.waitForFunction(() => /Playing a sample of en_US-joe-medium \(silent: no sound card\)/.test(document.querySelector("#toast").textContent));
});

test("dark theme: the same screens read well with the system's dark scheme", async () => {
  await page.emulateMedia({ colorScheme: "dark" });
  await drop(["/corpus/jfk.flac", "/tmp/notes.wav"]);
  await page.waitForSelector("#jobs tbody tr:nth-child(2)");
  await convertJfk(0);
  await page.evaluate(() => window.__mock.tick(4.5));
  const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  assert.equal(bg, "rgb(21, 24, 30)");
  await page.screenshot({ path: join(shots, "dark.png") });
});

test("keyboard: Tab reaches the controls in reading order, each with a label", async () => {
  await drop(["/corpus/jfk.flac"]);
  await page.waitForSelector("#jobs tbody tr");
  await convertJfk(0);
  await page.focus("#preset");
  const order = [];
  for (let i = 0; i < 60; i++) {
    if (i > 0) await page.keyboard.press("Tab");
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      if (el === document.body) return null;
      const label = el.getAttribute("aria-label") || (el.labels && el.labels[0]?.textContent) || el.textContent || "";
      return `${el.id || el.name || el.tagName}:${label.trim().replace(/\s+/g, " ")}`;
    });
    if (stop === null || order.includes(stop)) break;
    order.push(stop);
  }
  const at = (prefix) => order.findIndex((x) => x.startsWith(prefix));
  const expected = ["preset:", "preset-save:", "open-log:", "add-files:", "BUTTON:Listen to jfk.flac", "start:", "open-output:",
    "play:", "ab:", "voice:", "voice-sample:", "quality:", "model:", "language:", "device:", "workers:", "chunk-secs:", "out-dir:"];
  const positions = expected.map(at);
  for (const [i, p] of positions.entries()) assert.ok(p >= 0, `${expected[i]} is reachable: ${order.join(" | ")}`);
  for (let i = 1; i < positions.length; i++) assert.ok(positions[i] > positions[i - 1], `${expected[i - 1]} comes before ${expected[i]}: ${order.join(" | ")}`);
  for (const item of order) assert.ok(!/:$/.test(item), `every stop has a label: ${item}`);
});
