//! What recognition produces and the cache stores: segments and words with times.
//!
//! Times are in milliseconds relative to the start of the *file* (not the chunk), so a
//! transcript can be read on its own. The JSON form is versioned by [`SCHEMA_VERSION`];
//! `docs/transcript-schema.md` documents it.

use serde::{Deserialize, Serialize};

/// Bump when the JSON shape changes; older cache files are then ignored and rebuilt.
pub const SCHEMA_VERSION: u32 = 3;

/// How long a word takes per letter it is written with (ms), for its expected length: a
/// rough speaking rate, not fitted to the corpus (a word of 7 letters, "winners", in 420 ms).
pub const MS_PER_LETTER: u64 = 60;

/// Speech is at most this many times faster than [`MS_PER_LETTER`]: 20 ms a letter, about
/// twice the fastest speaking rate. Text or a word given less time was not said in it.
pub const FASTEST_SPEECH: u64 = 3;

/// About how long `text` takes to say (ms): [`MS_PER_LETTER`] a letter, a digit as three
/// letters, at least one letter's time.
pub fn expected_length_ms(text: &str) -> u64 {
    let letters: u64 = text
        .chars()
        .map(|c| match c {
            c if c.is_ascii_digit() => 3,
            c if c.is_alphabetic() => 1,
            _ => 0,
        })
        .sum();
    letters.max(1) * MS_PER_LETTER
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub text: String,
    pub start_ms: u64,
    pub end_ms: u64,
    /// Whisper's token probability for the word, 0..1.
    pub probability: f32,
    /// The word with its stress marked (`+` before the stressed vowel, ё restored), when
    /// the stress stage changed it. What the voice says; edit it to correct a stress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stressed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub text: String,
    pub start_ms: u64,
    pub end_ms: u64,
    /// The language this segment was recognised in (`None`: the transcript's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The text with stress marks (see [`Word::stressed`]), when the stress stage ran on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stressed: Option<String>,
    #[serde(default)]
    pub words: Vec<Word>,
}

impl Word {
    /// `text` heard from `start_ms` to `end_ms`, with full confidence and no stress marks.
    pub fn new(text: impl Into<String>, start_ms: u64, end_ms: u64) -> Self {
        Self {
            text: text.into(),
            start_ms,
            end_ms,
            probability: 1.0,
            stressed: None,
        }
    }

    /// What the voice says: the stressed form when there is one.
    pub fn spoken(&self) -> &str {
        self.stressed.as_deref().unwrap_or(&self.text)
    }
}

impl Segment {
    /// What the voice says: the stressed text when there is one.
    pub fn spoken(&self) -> &str {
        self.stressed.as_deref().unwrap_or(&self.text)
    }

    /// This segment's language, falling back to the transcript's.
    pub fn language_or<'a>(&'a self, transcript_language: &'a str) -> &'a str {
        self.language.as_deref().unwrap_or(transcript_language)
    }
}

/// The recognised speech of one chunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub schema: u32,
    /// Language code Whisper used (detected or fixed), e.g. "en", "ru".
    pub language: String,
    /// How the stress marks were made (`None`: none were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stress: Option<crate::stress::StressLevel>,
    pub segments: Vec<Segment>,
}

impl Transcript {
    /// Segments recognised piece by piece, as one transcript in the language spoken
    /// longest among them (`fallback` when none says).
    pub fn joined(segments: Vec<Segment>, fallback: &str) -> Self {
        let mut time: std::collections::BTreeMap<&str, u64> = Default::default();
        for s in &segments {
            if let Some(l) = &s.language {
                *time.entry(l).or_default() += s.end_ms.saturating_sub(s.start_ms);
            }
        }
        let language = time
            .into_iter()
            .max_by_key(|(_, ms)| *ms)
            .map_or(fallback, |(l, _)| l)
            .to_string();
        Self {
            schema: SCHEMA_VERSION,
            language,
            stress: None,
            segments,
        }
    }

    /// The same transcript with every time `ms` later (for a piece heard on its own).
    pub fn shifted(self, ms: u64) -> Self {
        self.retimed(|t| t + ms)
    }

    /// The same transcript with every time `ms` earlier, none before 0 (for audio heard
    /// with `ms` of silence before it).
    pub fn shifted_back(self, ms: u64) -> Self {
        self.retimed(|t| t.saturating_sub(ms))
    }

    fn retimed(mut self, f: impl Fn(u64) -> u64) -> Self {
        for seg in &mut self.segments {
            (seg.start_ms, seg.end_ms) = (f(seg.start_ms), f(seg.end_ms));
            for w in &mut seg.words {
                (w.start_ms, w.end_ms) = (f(w.start_ms), f(w.end_ms));
            }
        }
        self
    }

    pub fn text(&self) -> String {
        self.segments
            .iter()
            .map(|s| s.text.trim())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifted_moves_segments_and_their_words() {
        let word = |text: &str, start_ms, end_ms| Word {
            text: text.into(),
            start_ms,
            end_ms,
            probability: 0.9,
            stressed: None,
        };
        let t = Transcript {
            schema: SCHEMA_VERSION,
            language: "en".into(),
            stress: None,
            segments: vec![Segment {
                text: "two words".into(),
                start_ms: 100,
                end_ms: 900,
                language: None,
                stressed: None,
                words: vec![word("two", 100, 400), word("words", 450, 900)],
            }],
        }
        .shifted(60_000);
        let seg = &t.segments[0];
        assert_eq!((seg.start_ms, seg.end_ms), (60_100, 60_900));
        let times: Vec<_> = seg.words.iter().map(|w| (w.start_ms, w.end_ms)).collect();
        assert_eq!(times, [(60_100, 60_400), (60_450, 60_900)]);
        assert_eq!(t.text(), "two words");
        // Back again, and past the start: nothing goes below 0.
        let back = t.shifted_back(60_200);
        let times: Vec<_> = back.segments[0]
            .words
            .iter()
            .map(|w| (w.start_ms, w.end_ms))
            .collect();
        assert_eq!(times, [(0, 200), (250, 700)]);
    }

    #[test]
    fn joined_pieces_take_the_language_spoken_longest() {
        let seg = |language: Option<&str>, start_ms, end_ms| Segment {
            text: "x".into(),
            start_ms,
            end_ms,
            language: language.map(Into::into),
            stressed: None,
            words: vec![],
        };
        let t = Transcript::joined(
            vec![
                seg(Some("de"), 0, 4_000),
                seg(Some("en"), 4_000, 6_000),
                seg(Some("en"), 6_000, 9_000),
            ],
            "ru",
        );
        assert_eq!(t.language, "en");
        assert_eq!(t.segments.len(), 3);
        assert_eq!(
            Transcript::joined(vec![seg(None, 0, 1_000)], "ru").language,
            "ru"
        );
    }
}
