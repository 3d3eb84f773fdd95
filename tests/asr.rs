//! Word times from whisper.cpp: its own estimate and the alignment (DTW) `revoice eval` uses.

mod common;

use revoice::asr::{AsrError, AudioContext, DecodeSettings, Recognizer, WordTimes, ASR_RATE};
use revoice::transcript::Word;

fn jfk() -> Vec<f32> {
    let decoded = revoice::decode::decode_file(&common::corpus("jfk.flac")).unwrap();
    revoice::resample::resample(&decoded.audio, ASR_RATE)
        .unwrap()
        .samples
}

/// English, greedy, Whisper's own windows, with `word_times`.
fn english(word_times: WordTimes) -> DecodeSettings {
    DecodeSettings {
        language: Some("en".into()),
        beam_size: None,
        context: AudioContext::Full,
        word_times,
    }
}

fn base(word_times: WordTimes) -> Recognizer {
    Recognizer::load(&common::models().whisper_model("base"), false, word_times).unwrap()
}

fn words(word_times: WordTimes) -> (String, Vec<Word>) {
    let t = base(word_times)
        .transcribe(&jfk(), 0, &english(word_times), 2)
        .unwrap();
    let words = t.segments.iter().flat_map(|s| s.words.clone()).collect();
    (t.text(), words)
}

#[test]
fn aligned_word_times_keep_the_words_in_order_inside_the_audio() {
    let (estimated_text, estimated) = words(WordTimes::Estimated);
    let (aligned_text, aligned) = words(WordTimes::Aligned);
    assert_eq!(aligned_text, estimated_text);
    assert_eq!(aligned.len(), estimated.len());
    for w in aligned.windows(2) {
        assert!(w[0].start_ms <= w[1].start_ms, "{w:?}");
    }
    for (a, e) in aligned.iter().zip(&estimated) {
        assert!(a.start_ms <= a.end_ms && a.end_ms <= 11_000, "{a:?}");
        // Two measures of one recording: never far apart.
        assert!(a.start_ms.abs_diff(e.start_ms) < 1_500, "{a:?} vs {e:?}");
    }
    println!(
        "aligned starts: {:?}",
        aligned.iter().map(|w| w.start_ms).collect::<Vec<_>>()
    );
}

#[test]
fn a_recogniser_says_which_word_times_it_was_loaded_for() {
    let err = base(WordTimes::Estimated)
        .transcribe(&jfk(), 0, &english(WordTimes::Aligned), 2)
        .unwrap_err();
    assert!(matches!(err, AsrError::WordTimes { .. }), "{err}");
}

#[test]
fn a_released_recogniser_recognises_again() {
    let mut asr = base(WordTimes::Estimated);
    let settings = english(WordTimes::Estimated);
    let first = asr.transcribe(&jfk(), 0, &settings, 2).unwrap();
    asr.release();
    let again = asr.transcribe(&jfk(), 0, &settings, 2).unwrap();
    assert_eq!(first, again);
    assert!(first.text().contains("your country"), "{}", first.text());
}

/// `samples` with white noise 20 dB below their level (a fixed pseudo-random sequence).
fn with_noise(samples: &[f32]) -> Vec<f32> {
    let rms = (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt();
    let mut state = 0x2545_f491_u32;
    samples
        .iter()
        .map(|s| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let uniform = state as f32 / u32::MAX as f32 * 2.0 - 1.0;
            // Uniform noise on [-a, a] has an RMS of a / sqrt(3).
            s + uniform * rms * 0.1 * 3f32.sqrt()
        })
        .collect()
}

#[test]
fn aligned_word_times_hold_under_noise() {
    // The words did not move, so their times should not either: what moves is the
    // measure's own error (`revoice eval` compares word times of two recordings). Before
    // punctuation's time went to the next word, "ask" after "Americans," moved by 300 ms.
    let settings = english(WordTimes::Aligned);
    let mut asr = base(WordTimes::Aligned);
    let clean = asr.transcribe(&jfk(), 0, &settings, 2).unwrap();
    let noisy = asr
        .transcribe(&with_noise(&jfk()), 0, &settings, 2)
        .unwrap();
    let words = |t: &revoice::transcript::Transcript| -> Vec<Word> {
        t.segments.iter().flat_map(|s| s.words.clone()).collect()
    };
    let (a, b) = (words(&clean), words(&noisy));
    let plain = |w: &Word| {
        w.text
            .trim_matches(|c: char| c.is_ascii_punctuation())
            .to_lowercase()
    };
    let said = |ws: &[Word]| ws.iter().map(plain).collect::<Vec<_>>();
    assert_eq!(said(&a), said(&b), "the noise changed the words");
    for (x, y) in a.iter().zip(&b) {
        assert!(x.start_ms.abs_diff(y.start_ms) <= 150, "{x:?} vs {y:?}");
    }
}
