//! `revoice bench`: throughput, stage times, time to the first chunk and peak memory of
//! real conversions, per workers x threads, side by side with the Python route
//! (scripts/bench_reference.py) in the same run; `--asr` times recognition alone per model.
//! Prints a table, or JSON with `--json` (scripts/benchmarks.sh makes docs/benchmarks.md).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::Args;
use revoice::asr::{AudioContext, DecodeSettings, Recognizer, ASR_RATE};
use revoice::audio::Audio;
use revoice::eval::{evaluate, EvalSettings};
use revoice::models::ModelsDir;
use revoice::options::{worker_program, Options};
use revoice::pipeline::{Engine, Progress, ProgressSink};
use revoice::workers::program::{WorkerProgram, SIMD};
use revoice::workers::PoolEvent;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Recordings joined (and repeated) into the benchmark input.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Length of the benchmark input in seconds.
    #[arg(long, default_value_t = 300.0)]
    length: f64,
    /// Workers x threads to run, e.g. 2x1,1x2 [default: the automatic choice].
    #[arg(long, value_delimiter = ',', value_parser = parse_shape)]
    shapes: Vec<(usize, usize)>,
    /// Whisper model (see `revoice models`) [default: the quality's].
    #[arg(long)]
    model: Option<String>,
    /// fast, normal or high.
    #[arg(long, value_enum, default_value = "normal")]
    quality: revoice::settings::Quality,
    /// Language of the speech.
    #[arg(long, default_value = "auto")]
    language: String,
    /// Runs per shape; the median is reported.
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// The Python route to compare with: reference_pipeline.py (needs --python).
    #[arg(long, requires = "python")]
    reference: Option<PathBuf>,
    /// A Python with faster-whisper, onnxruntime and soundfile.
    #[arg(long)]
    python: Option<PathBuf>,
    /// Also measure round-trip WER of each output (recognises every output once more).
    #[arg(long)]
    wer: bool,
    /// Time recognition alone instead: these models (e.g. base,base-q8_0) with full and
    /// fitted windows, and faster-whisper int8 when --python is given.
    #[arg(long, value_delimiter = ',')]
    asr: Vec<String>,
    /// Threads for --asr.
    #[arg(long, default_value_t = 2)]
    asr_threads: usize,
    /// Where workers start from the AVX-512 build, also run each shape with the portable
    /// build, for the comparison (--asr always times both builds).
    #[arg(long)]
    portable_too: bool,
    /// Keep the input and outputs here [default: a temporary folder].
    #[arg(long)]
    keep: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

/// One conversion's figures (Revoice or the Python route).
#[derive(Debug, Clone, Serialize)]
struct Run {
    tool: String,
    workers: usize,
    threads: usize,
    /// Why this shape (the automatic choice explains itself).
    reason: String,
    wall_s: f64,
    x_realtime: f64,
    /// Seconds from the start to the first finished chunk.
    first_chunk_s: Option<f64>,
    recognition_s_sum: f64,
    synthesis_s_sum: f64,
    fit_s_sum: f64,
    peak_rss_mib_worker: f64,
    round_trip_wer: Option<f64>,
    /// Wall times of every run, for the spread.
    walls: Vec<f64>,
}

/// Recognition alone, one model and window choice.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
struct AsrRun {
    tool: String,
    model: String,
    context: String,
    threads: usize,
    audio_s: f64,
    seconds: f64,
    x_realtime: f64,
    /// WER against whisper.cpp base f16 with full windows (the first row).
    wer_vs_base: f64,
    text: String,
}

#[derive(Debug, Serialize)]
struct Report {
    input: Vec<PathBuf>,
    audio_s: f64,
    cores: usize,
    available_mib: u64,
    quality: revoice::settings::Quality,
    model: String,
    language: String,
    /// What `revoice convert` would choose here, and why.
    automatic: revoice::settings::Parallelism,
    runs: Vec<Run>,
    asr: Vec<AsrRun>,
}

fn parse_shape(s: &str) -> Result<(usize, usize), String> {
    let (w, t) = s
        .split_once('x')
        .ok_or_else(|| format!("'{s}': expected WORKERSxTHREADS, e.g. 2x1"))?;
    let n = |v: &str| {
        v.trim()
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("'{s}': not a positive count"))
    };
    Ok((n(w)?, n(t)?))
}

pub fn run(args: BenchArgs) -> Result<(), String> {
    let dir = match &args.keep {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
            Workdir::Kept(d.clone())
        }
        None => Workdir::Temp(tempfile::tempdir().map_err(|e| e.to_string())?),
    };
    let input = dir.path().join("bench-input.wav");
    let audio = build_input(&args.inputs, args.length)?;
    revoice::encode::write_audio(&input, &audio).map_err(|e| e.to_string())?;
    let audio_s = audio.duration_secs();
    let models = ModelsDir::locate().map_err(|e| e.to_string())?;

    let mut options = Options {
        quality: args.quality,
        language: args.language.clone(),
        use_cache: false,
        ..Options::default()
    };
    if let Some(m) = &args.model {
        options.model = m.clone();
    }
    let cores = revoice::settings::machine_cores();
    let available_mib = revoice::memory::available_mib();
    let chunks = (audio_s / options.chunk_secs).ceil() as usize;
    let automatic = revoice::settings::parallelism(cores, available_mib, chunks, None, None);
    let mut report = Report {
        input: args.inputs.clone(),
        audio_s,
        cores,
        available_mib,
        quality: args.quality,
        model: options.model.clone(),
        language: args.language.clone(),
        automatic: automatic.clone(),
        runs: Vec::new(),
        asr: Vec::new(),
    };

    if !args.asr.is_empty() {
        report.asr = bench_asr(&args, &models, &audio, &input)?;
    } else {
        let shapes = if args.shapes.is_empty() {
            vec![(automatic.workers, automatic.threads)]
        } else {
            args.shapes.clone()
        };
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        let chosen = worker_program().map_err(|e| e.to_string())?;
        let mut programs = vec![chosen.clone()];
        if args.portable_too && chosen.simd != SIMD {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            programs.push(WorkerProgram::this_build(exe, "--portable-too"));
        }
        for &(workers, threads) in &shapes {
            for program in &programs {
                let output = dir
                    .path()
                    .join(format!("revoice-{workers}x{threads}-{}.wav", program.simd));
                let mut run = runtime.block_on(bench_revoice(
                    &options, program, workers, threads, &input, &output, args.runs, &models,
                ))?;
                if args.wer {
                    run.round_trip_wer =
                        Some(round_trip_wer(&models, &input, &output, &args.language)?);
                }
                eprintln!("{}", row(&run));
                report.runs.push(run);
            }
            if let (Some(route), Some(python)) = (&args.reference, &args.python) {
                let output = dir.path().join(format!("python-{workers}x{threads}.wav"));
                let mut run = bench_python(
                    route, python, &models, workers, threads, &input, &output, &options, args.runs,
                )?;
                if args.wer {
                    run.round_trip_wer =
                        Some(round_trip_wer(&models, &input, &output, &args.language)?);
                }
                eprintln!("{}", row(&run));
                report.runs.push(run);
            }
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        print_table(&report);
    }
    Ok(())
}

enum Workdir {
    Kept(PathBuf),
    Temp(tempfile::TempDir),
}

impl Workdir {
    fn path(&self) -> &Path {
        match self {
            Workdir::Kept(p) => p,
            Workdir::Temp(t) => t.path(),
        }
    }
}

/// The inputs, mono at 16 kHz, joined and repeated to `length` seconds.
fn build_input(inputs: &[PathBuf], length: f64) -> Result<Audio, String> {
    let mut parts = Vec::new();
    for path in inputs {
        let decoded = revoice::decode::decode_file(path).map_err(|e| e.to_string())?;
        let speech =
            revoice::resample::resample(&decoded.audio, ASR_RATE).map_err(|e| e.to_string())?;
        parts.push(speech.samples);
    }
    let want = (length * ASR_RATE as f64) as usize;
    if parts.iter().all(|p| p.is_empty()) || want == 0 {
        return Err("the benchmark inputs hold no audio".into());
    }
    let mut samples = Vec::with_capacity(want);
    'fill: loop {
        for p in &parts {
            if samples.len() >= want {
                break 'fill;
            }
            let take = (want - samples.len()).min(p.len());
            samples.extend_from_slice(&p[..take]);
        }
    }
    Ok(Audio::new(samples, ASR_RATE))
}

/// The run whose wall time is the median, and every run's wall time, sorted.
fn median_run<T: Clone>(runs: &[T], wall: impl Fn(&T) -> f64) -> Result<(T, Vec<f64>), String> {
    let mut walls: Vec<f64> = runs.iter().map(&wall).collect();
    walls.sort_by(f64::total_cmp);
    let median = *walls.get(walls.len() / 2).ok_or("no run")?;
    let run = runs
        .iter()
        .min_by(|a, b| {
            (wall(a) - median)
                .abs()
                .total_cmp(&(wall(b) - median).abs())
        })
        .cloned()
        .ok_or("no run")?;
    Ok((run, walls))
}

#[allow(clippy::too_many_arguments)]
async fn bench_revoice(
    options: &Options,
    worker: &WorkerProgram,
    workers: usize,
    threads: usize,
    input: &Path,
    output: &Path,
    runs: usize,
    models: &ModelsDir,
) -> Result<Run, String> {
    let mut options = options.clone();
    options.workers = Some(workers);
    options.threads = Some(threads);
    let settings = options
        .resolve(models, worker.clone())
        .map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for _ in 0..runs.max(1) {
        // A fresh engine per run: worker start-up and model loading are part of the time.
        let mut engine = Engine::new(settings.clone()).map_err(|e| e.to_string())?;
        let started = Instant::now();
        let first: Arc<Mutex<Option<f64>>> = Arc::default();
        let seen = first.clone();
        let sink: ProgressSink = Arc::new(move |p| {
            if let Progress::Pool(PoolEvent::ChunkDone { .. }) = p {
                let mut f = seen.lock().unwrap_or_else(|e| e.into_inner());
                f.get_or_insert(started.elapsed().as_secs_f64());
            }
        });
        let summary = engine
            .convert(input, output, &sink, &CancellationToken::new())
            .await
            .map_err(|e| e.to_string())?;
        engine.shutdown().await;
        let first_chunk_s = *first.lock().unwrap_or_else(|e| e.into_inner());
        results.push((summary, first_chunk_s));
    }
    let ((s, first_chunk_s), walls) = median_run(&results, |(s, _)| s.wall_secs)?;
    Ok(Run {
        tool: format!("revoice ({}, {})", options.model, s.simd),
        workers: s.parallelism.workers,
        threads: s.parallelism.threads,
        reason: s.parallelism.reason.clone(),
        wall_s: s.wall_secs,
        x_realtime: s.duration_secs / s.wall_secs,
        first_chunk_s,
        recognition_s_sum: s.stages.recognition,
        synthesis_s_sum: s.stages.synthesis,
        fit_s_sum: s.stages.fit,
        peak_rss_mib_worker: s.peak_rss_mib_worker,
        round_trip_wer: None,
        walls,
    })
}

#[allow(clippy::too_many_arguments)]
fn bench_python(
    route: &Path,
    python: &Path,
    models: &ModelsDir,
    workers: usize,
    threads: usize,
    input: &Path,
    output: &Path,
    options: &Options,
    runs: usize,
) -> Result<Run, String> {
    let mut results: Vec<(serde_json::Value, f64)> = Vec::new();
    for _ in 0..runs.max(1) {
        let mut cmd = reference_command(python, route, models, input);
        cmd.arg("--output").arg(output);
        cmd.args([
            "--workers",
            &workers.to_string(),
            "--threads",
            &threads.to_string(),
        ]);
        cmd.args(["--chunk", &options.chunk_secs.to_string()]);
        if options.language != "auto" {
            cmd.args(["--language", &options.language]);
        }
        let lines = run_json_lines(cmd)?;
        let figures = lines
            .first()
            .cloned()
            .ok_or("the Python route printed nothing")?;
        let rss = lines
            .get(1)
            .and_then(|l| l["peak_rss_mib_worker"].as_f64())
            .unwrap_or(0.0);
        results.push((figures, rss));
    }
    let ((f, rss), walls) = median_run(&results, |(f, _)| f["wall_s"].as_f64().unwrap_or(0.0))?;
    let num = |k: &str| f[k].as_f64().unwrap_or(0.0);
    Ok(Run {
        tool: "python route (faster-whisper int8)".into(),
        workers,
        threads,
        reason: "as asked".into(),
        wall_s: num("wall_s"),
        x_realtime: num("audio_s") / num("wall_s").max(1e-9),
        first_chunk_s: None,
        recognition_s_sum: num("asr_s_sum"),
        synthesis_s_sum: num("tts_s_sum"),
        fit_s_sum: 0.0,
        peak_rss_mib_worker: rss,
        round_trip_wer: None,
        walls,
    })
}

fn reference_command(python: &Path, route: &Path, models: &ModelsDir, input: &Path) -> Command {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench_reference.py");
    let mut cmd = Command::new(python);
    cmd.arg(script)
        .arg("--route")
        .arg(route)
        .arg("--wheels")
        .arg(models.root().join("wheels"))
        .arg("--ct2")
        .arg(models.root().join("ct2-base"))
        .arg("--voice")
        .arg(models.root().join("en_US-joe-medium.onnx"))
        .arg("--input")
        .arg(input);
    cmd
}

/// Run `cmd`, fail with its stderr's last line, return its stdout's JSON lines.
fn run_json_lines(mut cmd: Command) -> Result<Vec<serde_json::Value>, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!("the Python route failed: {last}"));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// Round-trip WER as docs/quality.md defines it (whisper base, greedy, full windows).
fn round_trip_wer(
    models: &ModelsDir,
    input: &Path,
    output: &Path,
    language: &str,
) -> Result<f64, String> {
    let settings = EvalSettings {
        whisper_model: models.whisper_model("base"),
        onnxruntime: models.onnxruntime_lib().map_err(|e| e.to_string())?,
        embedder: None,
        target_voice: None,
        language: (language != "auto").then(|| language.to_string()),
        reference: None,
        chunk_secs: 60.0,
        threads: revoice::settings::machine_cores(),
        // Only the WER is wanted: one hearing.
        word_passes: 1,
    };
    let report = evaluate(input, output, &settings).map_err(|e| e.to_string())?;
    Ok(report.wer)
}

fn bench_asr(
    args: &BenchArgs,
    models: &ModelsDir,
    audio: &Audio,
    input: &Path,
) -> Result<Vec<AsrRun>, String> {
    let language = (args.language != "auto").then(|| args.language.clone());
    let mut rows: Vec<AsrRun> = Vec::new();
    let mut baseline: Option<String> = None;
    for model in &args.asr {
        let path = models.whisper_model(model);
        let mut recognizer =
            Recognizer::load(&path, false, Default::default()).map_err(|e| e.to_string())?;
        for context in [AudioContext::Full, AudioContext::Fitted] {
            let settings = DecodeSettings {
                language: language.clone(),
                beam_size: None,
                context,
                word_times: Default::default(),
            };
            let t = Instant::now();
            let transcript = recognizer
                .transcribe(&audio.samples, 0, &settings, args.asr_threads)
                .map_err(|e| e.to_string())?;
            let seconds = t.elapsed().as_secs_f64();
            let text = transcript.text();
            let base = baseline.get_or_insert_with(|| text.clone()).clone();
            let row = AsrRun {
                tool: format!("revoice (whisper.cpp, {SIMD})"),
                model: model.clone(),
                context: format!("{context:?}").to_lowercase(),
                threads: args.asr_threads,
                audio_s: audio.duration_secs(),
                seconds,
                x_realtime: audio.duration_secs() / seconds,
                wer_vs_base: revoice::wer::wer_in(&base, &text, &transcript.language),
                text,
            };
            eprintln!("{}", asr_row(&row));
            rows.push(row);
        }
    }
    let fast = worker_program().map_err(|e| e.to_string())?;
    if fast.simd != SIMD {
        let base = baseline.clone().unwrap_or_default();
        for mut row in asr_rows_of(&fast, args)? {
            row.wer_vs_base =
                revoice::wer::wer_in(&base, &row.text, language.as_deref().unwrap_or("en"));
            eprintln!("{}", asr_row(&row));
            rows.push(row);
        }
    }
    if let (Some(route), Some(python)) = (&args.reference, &args.python) {
        let mut cmd = reference_command(python, route, models, input);
        cmd.args(["--asr-only", "--threads", &args.asr_threads.to_string()]);
        if let Some(l) = &language {
            cmd.args(["--language", l]);
        }
        let lines = run_json_lines(cmd)?;
        let f = lines.first().ok_or("faster-whisper printed nothing")?;
        let text = f["text"].as_str().unwrap_or("").to_string();
        let seconds = f["asr_s"].as_f64().unwrap_or(0.0);
        let base = baseline.clone().unwrap_or_default();
        let row = AsrRun {
            tool: "faster-whisper".into(),
            model: "base int8".into(),
            context: "full".into(),
            threads: args.asr_threads,
            audio_s: audio.duration_secs(),
            seconds,
            x_realtime: audio.duration_secs() / seconds.max(1e-9),
            wer_vs_base: revoice::wer::wer_in(&base, &text, language.as_deref().unwrap_or("en")),
            text,
        };
        eprintln!("{}", asr_row(&row));
        rows.push(row);
    }
    Ok(rows)
}

/// Recognition alone timed by another build of revoice (the AVX-512 one): the same input
/// (built again from the same recordings), models and threads, read from its `--json`.
fn asr_rows_of(program: &WorkerProgram, args: &BenchArgs) -> Result<Vec<AsrRun>, String> {
    let mut cmd = std::process::Command::new(&program.exe);
    cmd.arg("bench").args(&args.inputs).args([
        "--length",
        &args.length.to_string(),
        "--language",
        &args.language,
        "--asr",
        &args.asr.join(","),
        "--asr-threads",
        &args.asr_threads.to_string(),
        "--json",
    ]);
    cmd.stderr(std::process::Stdio::null());
    let out = cmd
        .output()
        .map_err(|e| format!("{}: {e}", program.exe.display()))?;
    if !out.status.success() {
        return Err(format!("{} bench --asr failed", program.exe.display()));
    }
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{} bench --asr: {e}", program.exe.display()))?;
    serde_json::from_value(report["asr"].clone())
        .map_err(|e| format!("{} bench --asr: {e}", program.exe.display()))
}

fn row(r: &Run) -> String {
    let opt = |v: Option<f64>, d: usize| v.map_or("-".into(), |v| format!("{v:.d$}"));
    format!(
        "{:<36} {:>2}x{:<2} {:>7.1} {:>7.2} {:>7} {:>7.1} {:>7.1} {:>6.1} {:>7.0} {:>6}",
        r.tool,
        r.workers,
        r.threads,
        r.wall_s,
        r.x_realtime,
        opt(r.first_chunk_s, 1),
        r.recognition_s_sum,
        r.synthesis_s_sum,
        r.fit_s_sum,
        r.peak_rss_mib_worker,
        opt(r.round_trip_wer.map(|w| w * 100.0), 1),
    )
}

fn asr_row(r: &AsrRun) -> String {
    format!(
        "{:<30} {:<12} {:<7} {:>2} {:>7.2} {:>6.1} {:>6.1}",
        r.tool,
        r.model,
        r.context,
        r.threads,
        r.seconds,
        r.x_realtime,
        r.wer_vs_base * 100.0
    )
}

fn print_table(r: &Report) {
    println!(
        "input: {:.0} s from {} file(s); {} cores, {} MiB free; automatic choice: {}",
        r.audio_s,
        r.input.len(),
        r.cores,
        r.available_mib,
        r.automatic.reason
    );
    if !r.runs.is_empty() {
        println!(
            "{:<36} {:>5} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>7} {:>6}",
            "tool", "WxT", "wall s", "x RT", "1st s", "asr s", "tts s", "fit s", "RSS MiB", "WER %"
        );
        r.runs.iter().for_each(|run| println!("{}", row(run)));
    }
    if !r.asr.is_empty() {
        println!(
            "{:<30} {:<12} {:<7} {:>2} {:>7} {:>6} {:>6}",
            "recogniser", "model", "windows", "T", "secs", "x RT", "WER %"
        );
        r.asr.iter().for_each(|a| println!("{}", asr_row(a)));
    }
}
