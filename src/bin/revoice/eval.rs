//! `revoice eval INPUT OUTPUT`: the quality measures of docs/quality.md for one conversion.

use std::path::PathBuf;

use clap::Args;
use revoice::eval::{evaluate, read_reference, EvalSettings, Report, TargetVoice};
use revoice::models::ModelsDir;
use revoice::options::{find_voice, Options};

const EMBEDDER: &str = "speaker-embedder.int8.onnx";

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The original recording.
    input: PathBuf,
    /// Its conversion.
    output: PathBuf,
    /// The voice the output should have (compared with its own speech) [default: the
    /// preset's voice, else the default voice].
    #[arg(long)]
    voice: Option<String>,
    /// The preset the output was converted with: its voice, pitch and formant shifts are
    /// the target's (the options below override them).
    #[arg(long)]
    preset: Option<String>,
    /// The pitch shift the output was converted with, semitones [default: the preset's, else 0].
    #[arg(long, value_name = "SEMITONES", allow_hyphen_values = true)]
    pitch_shift: Option<f32>,
    /// The formant shift the output was converted with, semitones [default: the preset's, else 0].
    #[arg(long, value_name = "SEMITONES", allow_hyphen_values = true)]
    formant_shift: Option<f32>,
    /// The input's language (default: detected).
    #[arg(long)]
    language: Option<String>,
    /// A transcript of the input (text, or the corpus's JSON), to show the recogniser's own
    /// WER next to the round trip.
    #[arg(long)]
    reference: Option<PathBuf>,
    /// The conversion's chunk length, to find the chunk joins.
    #[arg(long, default_value_t = 60.0)]
    chunk_secs: f64,
    /// Whisper model for both transcriptions (docs/quality.md fixes base).
    #[arg(long, default_value = "base")]
    model: String,
    /// How many times each file is heard for its word times (each a few ms later; a word's
    /// onset is the median): more passes, steadier onsets. 1 is fastest.
    #[arg(long, default_value_t = revoice::eval::WORD_PASSES, value_name = "N")]
    passes: usize,
    /// Skip speaker similarity.
    #[arg(long)]
    no_speaker: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: EvalArgs) -> Result<(), String> {
    for path in [&args.input, &args.output] {
        if !path.is_file() {
            return Err(format!("{}: file not found", path.display()));
        }
    }
    let models = ModelsDir::locate().map_err(|e| e.to_string())?;
    let whisper = models.whisper_model(&args.model);
    if let Some(name) = whisper.file_name().and_then(|n| n.to_str()) {
        models.ensure(&[name]).map_err(|e| e.to_string())?;
    }
    let embedder = if args.no_speaker {
        None
    } else {
        models.ensure(&[EMBEDDER]).map_err(|e| e.to_string())?;
        Some(models.file(EMBEDDER))
    };
    let options = match &args.preset {
        Some(name) => crate::convert::find_preset(name)?.options,
        None => Options::default(),
    };
    let voice_id = args.voice.clone().unwrap_or(options.voice);
    let voice = find_voice(&models.voices_dir(), &voice_id).map_err(|e| e.to_string())?;
    let target = TargetVoice {
        id: voice.id,
        spec: voice.spec,
        pitch_shift: args.pitch_shift.unwrap_or(options.pitch_shift),
        formant_shift: args.formant_shift.unwrap_or(options.formant_shift),
    };
    let reference = match &args.reference {
        Some(path) => Some(read_reference(path).map_err(|e| e.to_string())?),
        None => None,
    };
    let settings = EvalSettings {
        whisper_model: whisper,
        onnxruntime: models.onnxruntime_lib().map_err(|e| e.to_string())?,
        embedder,
        target_voice: Some(target),
        language: args.language.clone(),
        reference,
        chunk_secs: args.chunk_secs,
        threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        word_passes: args.passes.max(1),
    };
    let report = evaluate(&args.input, &args.output, &settings).map_err(|e| e.to_string())?;
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{json}");
    } else {
        print!("{}", table(&report));
    }
    Ok(())
}

fn table(r: &Report) -> String {
    let opt =
        |v: Option<f64>, digits: usize| v.map_or("-".to_string(), |v| format!("{v:.digits$}"));
    let mut out = String::new();
    let mut row = |name: &str, value: String| out.push_str(&format!("{name:<34} {value}\n"));
    row("input", r.input.display().to_string());
    row("output", r.output.display().to_string());
    row("language", r.language.clone());
    row("round-trip WER", format!("{:.3}", r.wer));
    row("input WER (against reference)", opt(r.input_wer, 3));
    match &r.onsets {
        Some(o) => row(
            "word onset error ms (mean/med/p95)",
            format!(
                "{:.0} / {:.0} / {:.0}  ({} words)",
                o.mean_ms, o.median_ms, o.p95_ms, o.matched
            ),
        ),
        None => row("word onset error", "- (no words matched)".into()),
    }
    if let Some(o) = &r.onsets_raw {
        row(
            "  from raw Whisper times",
            format!("{:.0} / {:.0} / {:.0}", o.mean_ms, o.median_ms, o.p95_ms),
        );
    }
    match &r.speech_onsets {
        Some(o) => row(
            "speech onset error ms (med/p95)",
            format!(
                "{:.0} / {:.0}  ({} of {} pauses)",
                o.median_ms, o.p95_ms, o.matched, r.input_pauses
            ),
        ),
        None => row(
            "speech onset error",
            format!("- ({} pauses)", r.input_pauses),
        ),
    }
    row("duration error ms", format!("{:.0}", r.duration_error_ms));
    row(
        "segment span error ms (mean)",
        opt(r.segment_span_error_ms, 0),
    );
    row(
        "F0 correlation",
        format!(
            "{}  ({} frames voiced in both; {} in, {} out)",
            opt(r.f0_correlation, 3),
            r.f0_frames,
            r.f0_voiced_input,
            r.f0_voiced_output
        ),
    );
    row("energy correlation", opt(r.energy_correlation, 3));
    row(
        "loudness LUFS in / out / diff",
        format!(
            "{} / {} / {}",
            opt(r.input_lufs, 1),
            opt(r.output_lufs, 1),
            opt(r.loudness_difference_lu, 1)
        ),
    );
    if let Some(s) = &r.speaker {
        row("speaker similarity to input", format!("{:.3}", s.to_input));
        row(
            &format!(
                "speaker similarity to {}",
                r.target_voice.as_deref().unwrap_or("target")
            ),
            opt(s.to_target.map(f64::from), 3),
        );
        row(
            "(input to target)",
            opt(s.input_to_target.map(f64::from), 3),
        );
    }
    row("clipped samples", r.clipped_samples.to_string());
    row(
        "join jump ratio (joins)",
        format!("{}  ({})", opt(r.join_jump_ratio, 2), r.joins),
    );
    out
}
