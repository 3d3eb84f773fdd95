//! Stress marks (`+` before the stressed vowel, from the `stress` stage) made audible in
//! espeak-ng: a marked word that espeak-ng would stress elsewhere is handed to it as
//! explicit phonemes (`[[...]]`, espeak-ng's own means of fixing pronunciation), built
//! from espeak-ng's phonemes for the word with the stress moved and the two vowels
//! involved given their stressed and reduced Russian qualities.

use std::ffi::{c_void, CStr, CString};

use super::espeak::ffi;
use crate::stress::{is_cyrillic, is_vowel, STRESS_MARK};

/// Vowels in espeak-ng's ASCII phoneme names for Russian.
const PHONEME_VOWELS: &str = "aAeEiIoOuUyV@8";

/// `text` as espeak-ng voice `voice` should get it: for a Russian voice the marks become
/// explicit phonemes ([`explicit_stress`]), for any other they are dropped; `[[` in the text
/// itself cannot start phonemes. Caller holds the espeak lock with `voice` set.
pub(super) fn for_voice(text: &str, voice: &str) -> String {
    let text = text.replace("[[", "[ [");
    if voice == "ru" || voice.starts_with("ru-") || voice.starts_with("ru_") {
        explicit_stress(&text)
    } else {
        strip_marks(&text)
    }
}

/// `text` with its marks turned into what espeak-ng reads: explicit phonemes where its own
/// stress differs, the plain word elsewhere. Caller holds the espeak lock with the voice set.
pub(super) fn explicit_stress(text: &str) -> String {
    if !text.contains(STRESS_MARK) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() * 2);
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let mark = c == STRESS_MARK && chars.peek().is_some_and(|&n| is_vowel(n));
        if mark || is_cyrillic(c) {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push_str(&word_for_espeak(&word));
            word.clear();
        }
        out.push(c);
    }
    if !word.is_empty() {
        out.push_str(&word_for_espeak(&word));
    }
    out
}

/// A '+' is a stress mark only right before a Russian vowel ("2+2" keeps its plus).
fn strip_marks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == STRESS_MARK && chars.peek().is_some_and(|&n| is_vowel(n)) {
            continue;
        }
        out.push(c);
    }
    out
}

/// One word of Russian letters and marks.
fn word_for_espeak(marked: &str) -> String {
    let plain: String = marked.chars().filter(|&c| c != STRESS_MARK).collect();
    let Some(mark) = marked.find(STRESS_MARK) else {
        return plain;
    };
    let letters: Vec<char> = plain.chars().flat_map(char::to_lowercase).collect();
    let wanted = marked[..mark].chars().filter(|c| is_vowel(*c)).count();
    let capitals = plain.chars().filter(|c| c.is_uppercase()).count();
    if capitals > 1 || letters.iter().filter(|c| is_vowel(**c)).count() < 2 {
        // Abbreviations are spelled by espeak-ng; one vowel needs no help.
        return plain;
    }
    let lower: String = letters.iter().collect();
    match phonemes(&lower).and_then(|p| restress(&p, &letters, wanted)) {
        Some(fixed) => format!("[[{fixed}]]"),
        None => plain,
    }
}

/// espeak-ng's ASCII phonemes for one word (current voice).
fn phonemes(word: &str) -> Option<String> {
    let text = CString::new(word).ok()?;
    let mut ptr: *const c_void = text.as_ptr().cast();
    // SAFETY: the caller holds the espeak lock; `text` is NUL-terminated and outlives the
    // call; espeak returns a NUL-terminated string valid until its next call.
    let out = unsafe { ffi::espeak_TextToPhonemes(&mut ptr, ffi::CHARS_UTF8, 0) };
    if out.is_null() {
        return None;
    }
    let s = unsafe { CStr::from_ptr(out) }
        .to_string_lossy()
        .trim()
        .to_string();
    (!s.is_empty() && !s.contains('(')).then_some(s)
}

/// `phonemes` with the primary stress on vowel `wanted`; `None` when espeak-ng already
/// stresses it or its vowels do not line up one to one with the word's vowel letters.
fn restress(phonemes: &str, letters: &[char], wanted: usize) -> Option<String> {
    let tokens = split_phonemes(phonemes);
    let vowel_tokens: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.vowel)
        .map(|(i, _)| i)
        .collect();
    let vowel_letters: Vec<usize> = letters
        .iter()
        .enumerate()
        .filter(|(_, c)| is_vowel(**c))
        .map(|(i, _)| i)
        .collect();
    if vowel_tokens.len() != vowel_letters.len() || wanted >= vowel_tokens.len() {
        return None;
    }
    // Only a word espeak-ng itself stresses (primary) elsewhere is respelled; words it
    // leaves unstressed or secondary in the flow of a sentence keep its own reading.
    let stressed = vowel_tokens
        .iter()
        .position(|&i| i > 0 && tokens[i - 1].text == "'")?;
    if stressed == wanted {
        return None;
    }
    let mut tokens = tokens;
    let at = vowel_letters[stressed];
    tokens[vowel_tokens[stressed]].text =
        reduced(letters[at], at.checked_sub(1).map(|p| letters[p]));
    tokens[vowel_tokens[wanted]].text = full(letters[vowel_letters[wanted]]).to_string();
    let mut out = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.text == "'" {
            continue;
        }
        if i == vowel_tokens[wanted] {
            out.push('\'');
        }
        out.push_str(&t.text);
    }
    Some(out)
}

struct Token {
    text: String,
    vowel: bool,
}

/// Splits espeak-ng's phoneme names: a vowel with its `#`/digit modifiers is one token,
/// any other character (consonants, `;` palatalisation, stress marks) is its own.
fn split_phonemes(p: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    for c in p.chars() {
        let modifier = c == '#' || c.is_ascii_digit();
        match tokens.last_mut() {
            Some(last) if last.vowel && modifier => last.text.push(c),
            _ => tokens.push(Token {
                text: c.to_string(),
                vowel: PHONEME_VOWELS.contains(c),
            }),
        }
    }
    tokens
}

/// The stressed quality of a vowel letter.
fn full(letter: char) -> &'static str {
    match letter {
        'а' | 'я' => "a",
        'о' | 'ё' => "o",
        'у' | 'ю' => "u",
        'ы' => "y",
        'и' => "i",
        'е' => "e",
        'э' => "E",
        _ => "@",
    }
}

/// The unstressed (reduced) quality of a vowel letter after `before`.
fn reduced(letter: char, before: Option<char>) -> String {
    let soft = matches!(before, Some('ч' | 'щ'));
    match letter {
        'а' | 'о' if soft => "I",
        'а' | 'о' => "V",
        'я' | 'е' | 'э' | 'и' => "I",
        'у' | 'ю' => "u",
        'ы' => "y",
        'ё' => "o",
        _ => "@",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letters(w: &str) -> Vec<char> {
        w.chars().collect()
    }

    #[test]
    fn stress_moves_and_the_vowels_swap_qualities() {
        // espeak-ng says "zam'ok"; the castle is "з+амок".
        assert_eq!(
            restress("zam'ok", &letters("замок"), 0).as_deref(),
            Some("z'amVk")
        );
        // "дорог+а" (dear, short form) against espeak's "dVr'oga#".
        assert_eq!(
            restress("dVr'oga#", &letters("дорога"), 2).as_deref(),
            Some("dVrVg'a")
        );
        // "плач+у" (I pay) against espeak's "pl'AtS;u#" (I cry).
        assert_eq!(
            restress("pl'AtS;u#", &letters("плачу"), 1).as_deref(),
            Some("plVtS;'u")
        );
        // After ч an unstressed а is reduced to I.
        assert_eq!(reduced('а', Some('ч')), "I");
    }

    #[test]
    fn agreeing_or_unaligned_words_are_left_to_espeak() {
        assert_eq!(restress("zam'ok", &letters("замок"), 1), None);
        assert_eq!(restress("zam'okV", &letters("замок"), 0), None);
    }

    #[test]
    fn only_a_plus_before_a_vowel_is_a_mark() {
        assert_eq!(strip_marks("М+ы 2+2 +и"), "Мы 2+2 и");
    }

    #[test]
    fn marks_become_phonemes_only_where_espeak_differs() {
        let text = super::super::espeak::with_voice("ru", |_| {
            explicit_stress("Старинный з+амок, молок+о и ВС+Е.")
        })
        .unwrap();
        assert_eq!(text, "Старинный [[z'amVk]], молоко и ВСЕ.");
    }
}

#[cfg(test)]
mod heard {
    use crate::tts::{EspeakVoice, Voice};

    /// Share of the voiced energy in the first half of the sound (from the first to the
    /// last sample above -40 dB).
    fn first_half_share(samples: &[f32]) -> f32 {
        let loud = |s: &&f32| s.abs() > 0.01;
        let start = samples.iter().position(|s| loud(&s)).unwrap_or(0);
        let end = samples
            .iter()
            .rposition(|s| loud(&s))
            .unwrap_or(samples.len());
        let body = &samples[start..end];
        let energy = |x: &[f32]| x.iter().map(|s| s * s).sum::<f32>();
        energy(&body[..body.len() / 2]) / energy(body).max(1e-9)
    }

    #[test]
    fn voices_fed_espeak_phonemes_get_the_stress_too() {
        // Piper (and Kokoro) voices speak espeak-ng's IPA; the marks reach it.
        let plain = crate::tts::phonemize("Замок.", "ru").unwrap().concat();
        let castle = crate::tts::phonemize("З+амок.", "ru").unwrap().concat();
        assert!(plain.contains("zamˈok"), "{plain}");
        assert!(castle.contains("zˈɑmʌk"), "{castle}");
        // Other voices drop the marks; "[[" typed in a text never starts phonemes.
        assert_eq!(
            super::for_voice("з+амок 2+2 [[x]]", "en-us"),
            "замок 2+2 [ [x]]"
        );
    }

    #[test]
    fn a_mark_changes_what_espeak_says_only_where_its_stress_differs() {
        let mut ru = EspeakVoice::load("ru").unwrap();
        let plain = first_half_share(&ru.synthesize("Замок.", 1.0).unwrap());
        let castle = first_half_share(&ru.synthesize("З+амок.", 1.0).unwrap());
        let lock = first_half_share(&ru.synthesize("Зам+ок.", 1.0).unwrap());
        eprintln!(
            "first-half energy share: plain {plain:.2}, з+амок {castle:.2}, зам+ок {lock:.2}"
        );
        // espeak-ng reads "замок" as зам+ок on its own; з+амок moves the weight forward.
        assert!((plain - lock).abs() < 0.05, "{plain} {lock}");
        assert!(castle > plain + 0.15, "{castle} {plain}");
    }
}
