//! The evaluator's word onsets against speech whose word onsets are known: phrases spoken
//! by the joe voice (its own phoneme durations say where each word starts), laid out with
//! pauses of 0.15 to 2.2 s over a faint noise floor, as a conversion's output is and as a
//! speaker's recording with pauses is. Whisper's aligned word times start a word after a
//! pause where the pause starts; the onsets the evaluator reports must not.

mod common;

use revoice::asr::{AudioContext, DecodeSettings, Recognizer, WordTimes, ASR_RATE};
use revoice::audio::Audio;
use revoice::eval::align::TimedWord;
use revoice::tts::{init_runtime, PiperVoice};

const PHRASES: &[&str] = &[
    "And so, my fellow Americans,",
    "ask not what your country can do for you;",
    "ask what you can do for your country.",
    "The capital of the country",
    "was moved to the coast",
    "about two hundred years ago,",
    "and the old city slowly emptied.",
    "Nobody",
    "expected that.",
    "In his book he argues",
    "that trade, not war,",
    "decided it.",
];

/// Pause after each phrase, seconds.
const PAUSES: &[f32] = &[
    0.6, 1.5, 0.3, 0.15, 2.2, 0.45, 1.0, 0.8, 0.25, 1.8, 0.5, 0.7,
];

/// Speech at 16 kHz and the words with their true onsets (ms).
fn known_speech() -> (Vec<f32>, Vec<TimedWord>) {
    let models = common::models();
    init_runtime(&models.onnxruntime_lib().unwrap()).unwrap();
    let mut voice =
        PiperVoice::load(&models.voices_dir().join("en_US-joe-medium.onnx"), 2).unwrap();
    let rate = voice.sample_rate();
    let mut samples = vec![0.0f32; (rate as f32 * 0.5) as usize];
    let mut truth = Vec::new();
    for (phrase, pause) in PHRASES.iter().zip(PAUSES) {
        let words: Vec<String> = phrase.split_whitespace().map(String::from).collect();
        let spoken = voice.synthesize_words(&words, 1.0).unwrap();
        assert!(spoken.exact, "the joe voice gives its durations");
        for (w, span) in words.iter().zip(&spoken.words) {
            for (k, word) in revoice::wer::normalize_in(w, "en").into_iter().enumerate() {
                truth.push(TimedWord {
                    word,
                    start_ms: ((samples.len() + span.start) as u64 * 1000) / rate as u64,
                    timed: k == 0,
                });
            }
        }
        samples.extend(&spoken.samples);
        samples.resize(samples.len() + (rate as f32 * pause) as usize, 0.0);
    }
    // A faint, fixed noise floor (about -60 dBFS), as a quiet room has.
    let mut seed = 0x2545_f491_u32;
    for s in &mut samples {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        *s += (seed as f32 / u32::MAX as f32 - 0.5) * 0.002;
    }
    let heard = revoice::resample::resample(&Audio::new(samples, rate), ASR_RATE).unwrap();
    (heard.samples, truth)
}

/// jfk's word onsets (ms) as read off its spectrogram and 10 ms energy (session 15): after
/// a pause, where the sound resumes; inside speech, the energy dip or the consonant that
/// opens the word.
const JFK_ONSETS: &[(&str, u64)] = &[
    ("and", 320),
    ("so", 530),
    ("my", 960),
    ("fellow", 1250),
    ("americans", 1640),
    ("ask", 3290),
    ("not", 4010),
    ("what", 5410),
    ("your", 5570),
    ("country", 5870),
    ("can", 6420),
    ("do", 6600),
    ("for", 6880),
    ("you", 7050),
    ("ask", 8190),
    ("what", 8600),
    ("you", 8850),
    ("can", 9200),
    ("do", 9400),
    ("for", 9650),
    ("your", 9840),
    ("country", 10030),
];

fn aligned_base() -> (Recognizer, DecodeSettings) {
    let asr = Recognizer::load(
        &common::models().whisper_model("base"),
        false,
        WordTimes::Aligned,
    )
    .unwrap();
    let settings = DecodeSettings {
        language: Some("en".into()),
        beam_size: None,
        context: AudioContext::Full,
        word_times: WordTimes::Aligned,
    };
    (asr, settings)
}

/// Errors (ms) of `found` against `truth`, over the words matched between them.
fn errors(truth: &[TimedWord], found: &[TimedWord]) -> Vec<f64> {
    let pairs = revoice::eval::align::matched_pairs(truth, found);
    assert!(
        pairs.len() * 10 >= truth.len() * 9,
        "{} of {} words",
        pairs.len(),
        truth.len()
    );
    pairs
        .into_iter()
        // The words a number is spoken as share its time: only the first is timed.
        .filter(|&(i, j)| truth[i].timed && found[j].timed)
        .map(|(i, j)| (truth[i].start_ms as f64 - found[j].start_ms as f64).abs())
        .collect()
}

fn stats(mut errors: Vec<f64>) -> (f64, f64) {
    errors.sort_by(f64::total_cmp);
    let at =
        |q: f64| errors[((errors.len() as f64 * q).ceil() as usize).clamp(1, errors.len()) - 1];
    (at(0.5), at(0.95))
}

/// Onset error (median, p95 ms) of Whisper's aligned times and of the evaluator's onsets
/// against `truth`, for `speech` at 16 kHz.
fn onset_errors(name: &str, speech: &[f32], truth: &[TimedWord]) -> ((f64, f64), (f64, f64)) {
    let (mut asr, settings) = aligned_base();
    let heard = asr.transcribe(speech, 0, &settings, 2).unwrap();
    let raw = stats(errors(
        truth,
        &revoice::eval::align::timed_words(&heard, "en"),
    ));
    let found = stats(errors(
        truth,
        &revoice::eval::word_onsets(&heard, speech, "en"),
    ));
    eprintln!(
        "{name}, onset error ms (median, p95): Whisper's times {raw:?}; the evaluator's {found:?}"
    );
    (raw, found)
}

#[test]
fn word_onsets_hold_at_pauses() {
    let (speech, truth) = known_speech();
    let ((_, raw_p95), (median, p95)) = onset_errors("known speech", &speech, &truth);
    assert!(
        raw_p95 > 500.0,
        "the pauses are there to test: p95 {raw_p95} ms"
    );
    assert!(
        median <= 40.0 && p95 <= 130.0,
        "median {median} ms, p95 {p95} ms"
    );
}

#[test]
fn word_onsets_of_jfk_match_its_spectrogram() {
    let decoded = revoice::decode::decode_file(&common::corpus("jfk.flac")).unwrap();
    let speech = revoice::resample::resample(&decoded.audio, ASR_RATE)
        .unwrap()
        .samples;
    let truth: Vec<TimedWord> = JFK_ONSETS
        .iter()
        .map(|&(word, start_ms)| TimedWord {
            word: word.into(),
            start_ms,
            timed: true,
        })
        .collect();
    let (_, (median, p95)) = onset_errors("jfk", &speech, &truth);
    assert!(
        median <= 40.0 && p95 <= 120.0,
        "median {median} ms, p95 {p95} ms"
    );
}
