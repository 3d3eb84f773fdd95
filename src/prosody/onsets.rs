//! Where each word starts: Whisper's word times anchored to the sound.
//!
//! Aligned word times are good inside a stretch of speech but start a word that follows a
//! pause where the pause starts (the alignment gives the pause to the next word), and they
//! run early inside speech (by 0-140 ms). So the signal is cut into runs of sound (10 ms
//! frames above a level, apart by 200 ms or more of quiet), each word is given to one run,
//! in order, by dynamic programming, and a word that opens a run starts where the run does.
//! A word goes to the run nearest the end of its aligned span (a pause most often goes to
//! the word after it, so the end is the surer side) and in which the part of its span has
//! about the word's length (when the pause went to the word before it, its span ends in
//! the pause and the run after holds almost none of it); a run of sound that no word is
//! given to costs its length, weighted by how far above the quiet it is, so that speech is
//! not left without words while a breath or a hum may be.
//!
//! The converter places the synthetic words at these times ([`anchor_to_sound`]) and the
//! evaluator measures both files with them.
//!
//! Against known onsets (`tests/onsets.rs`), Whisper base's aligned times err by median /
//! p95 109 / 1847 ms on phrases of the joe voice with pauses of 0.15 to 2.2 s and 60 / 990
//! ms on jfk (onsets read off its spectrogram); anchored, by 23 / 109 and 10 / 80 ms
//! (docs/quality-notes.md, sessions 15 and 16).

use crate::prosody::loudness;
use crate::transcript::{expected_length_ms, Segment, FASTEST_SPEECH, MS_PER_LETTER};

/// How early whisper.cpp's aligned word times run inside speech: a median of 99 ms on the
/// joe voice against its own durations, 0-140 ms on jfk against its spectrogram.
pub const ALIGNMENT_LAG_MS: u64 = 60;

/// Quiet this long or longer (ms) separates two runs of sound.
const MIN_PAUSE_MS: u64 = 200;
/// Runs shorter than this (ms) are clicks or breaths, not speech (at 30 ms a click after
/// "в" in lecture_ru took the word "общем" and left it 30 ms to be said in).
const MIN_RUN_MS: u64 = 60;
/// Sound is a frame within this many dB of the speech level (the 90th-percentile frame)...
const SPEECH_MARGIN_DB: f64 = 20.0;
/// ...and this many dB above the noise floor (the 10th-percentile frame).
const FLOOR_MARGIN_DB: f64 = 6.0;
/// How far (ms) from a word's aligned end a run may be and still be given the word.
const REACH_MS: u64 = 5000;
/// What a word's length in a run, against its expected length, weighs beside the distance
/// of its aligned end from the run (ms per unit of |ln(length / expected)|).
const LENGTH_WEIGHT: f64 = 300.0;

/// A stretch of sound, with how much it counts as speech (0..1: its mean level from the
/// threshold to 20 dB above it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run {
    pub start_ms: u64,
    pub end_ms: u64,
    pub weight: f64,
}

impl Run {
    fn distance(&self, t: u64) -> u64 {
        if t < self.start_ms {
            self.start_ms - t
        } else {
            t.saturating_sub(self.end_ms)
        }
    }

    fn cost_if_empty(&self) -> f64 {
        (self.end_ms - self.start_ms) as f64 * self.weight
    }
}

/// Runs of sound in `samples` at `rate`: 10 ms frames louder than both 20 dB below the
/// speech level (the 90th-percentile frame) and 6 dB above the noise floor (the
/// 10th-percentile frame). The level follows the speech, not the noise: a level set 15 dB
/// above the floor sat inside the speech once white noise lifted the floor, and split
/// lecture_en's 31 runs into 40; this one keeps 30 with the noise or without.
pub fn sound_runs(samples: &[f32], rate: u32) -> Vec<Run> {
    let db: Vec<f64> = loudness::rms_frames(samples, (rate as usize / 100).max(1))
        .iter()
        .map(|e| 20.0 * (e.max(1e-9) as f64).log10())
        .collect();
    let mut sorted = db.clone();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return Vec::new();
    }
    let speech = sorted[sorted.len() * 9 / 10];
    let floor = sorted[sorted.len() / 10];
    let threshold = (speech - SPEECH_MARGIN_DB).max(floor + FLOOR_MARGIN_DB);
    // Frame ranges above the threshold, merged across short quiet.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < db.len() {
        if db[i] <= threshold {
            i += 1;
            continue;
        }
        let start = i;
        while i < db.len() && db[i] > threshold {
            i += 1;
        }
        match spans.last_mut() {
            Some(last) if ((start - last.1) as u64) * 10 < MIN_PAUSE_MS => last.1 = i,
            _ => spans.push((start, i)),
        }
    }
    spans
        .into_iter()
        .filter(|&(a, b)| ((b - a) as u64) * 10 >= MIN_RUN_MS)
        .map(|(a, b)| {
            let mean = db[a..b].iter().sum::<f64>() / (b - a) as f64;
            Run {
                start_ms: a as u64 * 10,
                end_ms: b as u64 * 10,
                weight: ((mean - threshold) / 20.0).clamp(0.0, 1.0),
            }
        })
        .collect()
}

/// Each word's span anchored to the sound: a word that opens a run starts where the run
/// does, the others at their aligned start (lagged, kept inside the run and in order), with
/// room made for words the alignment collapsed (`relieve_collapsed`); a word ends where the
/// next word of its run starts, or where its run ends.
pub fn anchored_spans(words: &[(u64, u64)], expected_ms: &[u64], runs: &[Run]) -> Vec<(u64, u64)> {
    if runs.is_empty() {
        return words
            .iter()
            .map(|&(s, e)| (s + ALIGNMENT_LAG_MS, e + ALIGNMENT_LAG_MS))
            .collect();
    }
    let given = assign(words, expected_ms, runs);
    let mut starts = Vec::with_capacity(words.len());
    let mut last = 0;
    for (i, (&(start, _), &j)) in words.iter().zip(&given).enumerate() {
        let run = runs[j];
        let opens_run = i == 0 || given[i - 1] != j;
        let at = if opens_run {
            run.start_ms
        } else {
            (start + ALIGNMENT_LAG_MS).clamp(run.start_ms, run.end_ms)
        };
        last = at.max(last);
        starts.push(last);
    }
    // Each run's words, with room for any the alignment collapsed.
    let mut first = 0;
    while first < words.len() {
        let j = given[first];
        let after = first + given[first..].iter().take_while(|&&g| g == j).count();
        let expected: Vec<u64> = (first..after)
            .map(|i| expected_at(expected_ms, i))
            .collect();
        relieve_collapsed(&mut starts[first..after], &expected, runs[j].end_ms);
        first = after;
    }
    (0..words.len())
        .map(|i| {
            let end = match given.get(i + 1) {
                Some(&next) if next == given[i] => starts[i + 1],
                _ => runs[given[i]].end_ms,
            };
            (starts[i], end.max(starts[i]))
        })
        .collect()
}

/// Word `i`'s expected length; a word of five letters where none is given.
fn expected_at(expected_ms: &[u64], i: usize) -> u64 {
    expected_ms.get(i).copied().unwrap_or(MS_PER_LETTER * 5)
}

/// A collapsed word is given back this share of its expected length (42 ms a letter, a
/// brisk pace) when there is room.
const RELIEVED_SHARE: f64 = 0.7;

/// Room for the words of one run (`starts`, increasing; the run ends at `end_ms`) that the
/// alignment collapsed: given less than 1 / [`FASTEST_SPEECH`] of their expected length,
/// which nobody says. Whisper's alignment does this where it fell behind the speech and
/// caught up at once: lecture_en's "in the journals and in the literature" has "in" 760
/// ms and "the" 540 ms long, then "and in the literature" in 160 ms before the segment's
/// early closing timestamp, and the voice, placed there, lost words ("about and the
/// journals and the literature"). Each collapsed word needs [`RELIEVED_SHARE`] of its
/// expected length, any other word no more than that (nor more than it has). The words
/// after a collapse are where the alignment caught up, so the room is taken from the words
/// before it: starts move earlier, from the last word back, as far as that needs. Where
/// the words before have no room to give (the collapse opens the run: the alignment put
/// words of the run before into it, as in a noisy copy of news_8k's "you can't have"), the
/// words are left as they were; pushing the later words on instead moved words that were
/// right and took the evaluator's own onset error on news_8k (p95, against that noisy
/// copy) from 263 to 360 ms. In the recognitions of the corpus 0.9 % of the words were
/// collapsed (under a quarter of their expected length) and 0.1 % lay between a quarter
/// and a third.
fn relieve_collapsed(starts: &mut [u64], expected: &[u64], end_ms: u64) {
    let n = starts.len();
    let span = |k: usize| {
        starts
            .get(k + 1)
            .copied()
            .unwrap_or(end_ms)
            .saturating_sub(starts[k])
    };
    let collapsed = |k: usize| span(k) * FASTEST_SPEECH < expected[k];
    if n < 2 || !(0..n).any(collapsed) {
        return;
    }
    let least: Vec<u64> = (0..n)
        .map(|k| {
            let share = (expected[k] as f64 * RELIEVED_SHARE) as u64;
            if collapsed(k) {
                share
            } else {
                share.min(span(k))
            }
        })
        .collect();
    // From the last word back, each starts early enough to leave the next its room.
    let mut moved = starts.to_vec();
    let mut next = end_ms;
    for k in (1..n).rev() {
        moved[k] = moved[k].min(next.saturating_sub(least[k]));
        next = moved[k];
    }
    if moved[1] >= starts[0] + least[0] {
        starts.copy_from_slice(&moved);
    }
}

/// Move the words of `segments` (file times) to where they are heard in `samples`, the
/// chunk at `rate` that starts `offset_ms` into the file ([`anchored_spans`]); the words of
/// all segments are placed together, in order. Segments keep their own times.
pub fn anchor_to_sound(segments: &mut [Segment], samples: &[f32], rate: u32, offset_ms: u64) {
    let runs: Vec<Run> = sound_runs(samples, rate)
        .into_iter()
        .map(|r| Run {
            start_ms: r.start_ms + offset_ms,
            end_ms: r.end_ms + offset_ms,
            ..r
        })
        .collect();
    let spans: Vec<(u64, u64)> = segments
        .iter()
        .flat_map(|s| &s.words)
        .map(|w| (w.start_ms, w.end_ms))
        .collect();
    if spans.is_empty() || runs.is_empty() {
        return;
    }
    let expected: Vec<u64> = segments
        .iter()
        .flat_map(|s| &s.words)
        .map(|w| expected_length_ms(&w.text))
        .collect();
    let anchored = anchored_spans(&spans, &expected, &runs);
    for (w, (start, end)) in segments
        .iter_mut()
        .flat_map(|s| s.words.iter_mut())
        .zip(anchored)
    {
        (w.start_ms, w.end_ms) = (start, end);
    }
}

/// The run each word goes to: nondecreasing, least total cost (distance of each word's
/// lagged end from its run, plus how far the length of its lagged span inside the run is
/// from its expected length, plus the cost of the runs left empty). The length tells the
/// two ways a pause is misplaced apart: given to the word after it, that word's span starts
/// in the pause and little of it lies in the run before; given to the word before it, that
/// word's span ends in the pause and little of it lies in the run after.
fn assign(words: &[(u64, u64)], expected_ms: &[u64], runs: &[Run]) -> Vec<usize> {
    // empty[k]: cost of leaving runs 0..k all empty.
    let mut empty = vec![0.0];
    for r in runs {
        empty.push(empty[empty.len() - 1] + r.cost_if_empty());
    }
    let end = |i: usize| words[i].1 + ALIGNMENT_LAG_MS;
    // The runs within reach of each word (the nearest one at least), in order.
    let candidates: Vec<Vec<usize>> = (0..words.len())
        .map(|i| {
            let t = end(i);
            let near: Vec<usize> = (0..runs.len())
                .filter(|&j| runs[j].distance(t) <= REACH_MS)
                .collect();
            if near.is_empty() {
                let nearest = (0..runs.len()).min_by_key(|&j| runs[j].distance(t));
                nearest.into_iter().collect()
            } else {
                near
            }
        })
        .collect();
    // cost[i][c]: least cost with word i in run candidates[i][c]; back[i][c]: the
    // candidate index of word i - 1 on that path.
    let mut cost: Vec<Vec<f64>> = Vec::with_capacity(words.len());
    let mut back: Vec<Vec<usize>> = Vec::with_capacity(words.len());
    for (i, cands) in candidates.iter().enumerate() {
        let fit = |j: usize| {
            let (run, start) = (runs[j], words[i].0 + ALIGNMENT_LAG_MS);
            let inside = end(i)
                .min(run.end_ms)
                .saturating_sub(start.max(run.start_ms));
            let expected = expected_at(expected_ms, i);
            let mismatch = (inside.max(20) as f64 / expected.max(20) as f64).ln().abs();
            run.distance(end(i)) as f64 + LENGTH_WEIGHT * mismatch
        };
        if i == 0 {
            cost.push(cands.iter().map(|&j| empty[j] + fit(j)).collect());
            back.push(vec![0; cands.len()]);
            continue;
        }
        let (prev, prev_cost) = (&candidates[i - 1], &cost[i - 1]);
        let (mut row, mut from) = (
            Vec::with_capacity(cands.len()),
            Vec::with_capacity(cands.len()),
        );
        // Best over the previous word's runs k < j of cost + runs k+1..j-1 left empty.
        let (mut best, mut best_at, mut p) = (f64::INFINITY, 0, 0);
        for &j in cands {
            while p < prev.len() && prev[p] < j {
                let v = prev_cost[p] - empty[prev[p] + 1];
                if v < best {
                    (best, best_at) = (v, p);
                }
                p += 1;
            }
            let same = (p < prev.len() && prev[p] == j).then_some(p);
            let via_earlier = best + empty[j];
            let (c, k) = match same {
                Some(s) if prev_cost[s] <= via_earlier => (prev_cost[s], s),
                _ => (via_earlier, best_at),
            };
            row.push(c + fit(j));
            from.push(k);
        }
        if row.iter().all(|c| !c.is_finite()) {
            // No run of this word follows one of the word before (out of reach): start
            // the path afresh from the best so far.
            let floor = prev_cost.iter().copied().fold(f64::INFINITY, f64::min);
            let best_prev = prev_cost
                .iter()
                .position(|&c| c == floor)
                .unwrap_or_default();
            row = cands.iter().map(|&j| floor + fit(j)).collect();
            from = vec![best_prev; cands.len()];
        }
        cost.push(row);
        back.push(from);
    }
    let last = words.len() - 1;
    let mut c = (0..candidates[last].len())
        .min_by(|&a, &b| {
            let total = |c: usize| {
                let j = candidates[last][c];
                cost[last][c] + empty[runs.len()] - empty[j + 1]
            };
            total(a).total_cmp(&total(b))
        })
        .unwrap_or_default();
    let mut given = vec![0; words.len()];
    for i in (0..words.len()).rev() {
        given[i] = candidates[i][c];
        c = back[i][c];
    }
    given
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchored_onsets(words: &[(u64, u64)], runs: &[Run]) -> Vec<u64> {
        anchored_spans(words, &vec![300; words.len()], runs)
            .into_iter()
            .map(|(s, _)| s)
            .collect()
    }

    fn run(start_ms: u64, end_ms: u64) -> Run {
        Run {
            start_ms,
            end_ms,
            weight: 1.0,
        }
    }

    fn tone_and_quiet(sound: impl Fn(usize) -> bool, len: usize) -> Vec<f32> {
        (0..len)
            .map(|i| {
                if sound(i) {
                    0.3 * (i as f32 * 0.1).sin()
                } else {
                    0.0
                }
            })
            .collect()
    }

    fn seg(words: &[(&str, u64, u64)]) -> Segment {
        Segment {
            stressed: None,
            text: "x".into(),
            start_ms: words[0].1,
            end_ms: words[words.len() - 1].2,
            language: None,
            words: words
                .iter()
                .map(|&(text, start, end)| crate::transcript::Word::new(text, start, end))
                .collect(),
        }
    }

    fn spans(s: &Segment) -> Vec<(u64, u64)> {
        s.words.iter().map(|w| (w.start_ms, w.end_ms)).collect()
    }

    #[test]
    fn words_move_to_where_they_are_heard_and_pauses_split_phrases() {
        // Sound 0.0-0.5 s and 1.0-1.5 s; the alignment says "two" runs 0.5-1.5 (from the
        // pause).
        let x = tone_and_quiet(|i| i < 8_000 || (16_000..24_000).contains(&i), 24_000);
        let mut s = [seg(&[("one", 0, 500), ("two", 500, 1_500)])];
        anchor_to_sound(&mut s, &x, 16_000, 0);
        assert_eq!(spans(&s[0]), vec![(0, 500), (1_000, 1_500)]);
        assert_eq!(crate::prosody::phrases::split(&s[0]).len(), 2);
        // A word put wholly in the pause starts where the sound does.
        let mut s = [seg(&[
            ("one", 0, 500),
            ("two", 500, 900),
            ("three", 900, 1_500),
        ])];
        anchor_to_sound(&mut s, &x, 16_000, 0);
        assert_eq!(s[0].words[1].start_ms, 1_000);
        // Times are the file's: the same chunk 10 s into a file.
        let mut s = [seg(&[("one", 10_000, 10_500), ("two", 10_500, 11_500)])];
        anchor_to_sound(&mut s, &x, 16_000, 10_000);
        assert_eq!(spans(&s[0]), vec![(10_000, 10_500), (11_000, 11_500)]);
    }

    #[test]
    fn a_short_quiet_inside_a_word_is_not_a_pause() {
        // Sound 0.0-0.5 s, 1.0-1.5 s and 1.65-2.0 s: "two" has a stop closure of 150 ms.
        let x = tone_and_quiet(
            |i| i < 8_000 || (16_000..24_000).contains(&i) || i >= 26_400,
            32_000,
        );
        let mut s = [seg(&[("one", 0, 400), ("two", 400, 2_000)])];
        anchor_to_sound(&mut s, &x, 16_000, 0);
        assert_eq!(spans(&s[0]), vec![(0, 500), (1_000, 2_000)]);
    }

    #[test]
    fn runs_are_split_at_pauses_and_clicks_dropped() {
        let rate = 16_000;
        let tone = |ms: usize| -> Vec<f32> {
            (0..ms * 16)
                .map(|i| 0.3 * (i as f32 * 0.07).sin())
                .collect()
        };
        let quiet = |ms: usize| vec![0.0f32; ms * 16];
        let x: Vec<f32> = [
            quiet(300),
            tone(400),
            quiet(150), // too short a pause: one run
            tone(200),
            quiet(500),
            tone(10), // a click
            quiet(500),
            tone(300),
            quiet(200),
        ]
        .concat();
        let runs = sound_runs(&x, rate);
        let spans: Vec<(u64, u64)> = runs.iter().map(|r| (r.start_ms, r.end_ms)).collect();
        assert_eq!(spans, vec![(300, 1050), (2060, 2360)]);
    }

    #[test]
    fn a_soft_stretch_of_a_word_in_noise_stays_in_its_run() {
        // Two words, each loud, then 16 dB softer for 250 ms (a fricative), then loud again,
        // in steady noise 30 dB below the loud parts. A level set from the noise floor
        // (15 dB above it) fell inside the soft stretch and cut each word in two.
        let noise = crate::prosody::pitch::tests::noise(2_100 * 16, 1);
        let level = |ms: usize| -> f32 {
            match ms {
                300..=499 | 750..=849 | 1250..=1449 | 1700..=1799 => 0.3,
                500..=749 | 1450..=1699 => 0.3 * 10f32.powf(-16.0 / 20.0),
                _ => 0.0,
            }
        };
        let x: Vec<f32> = (0..2_100 * 16)
            .map(|i| level(i / 16) * (i as f32 * 0.07).sin() + 0.3 * 0.0316 * 2.45 * noise[i])
            .collect();
        let spans: Vec<(u64, u64)> = sound_runs(&x, 16_000)
            .iter()
            .map(|r| (r.start_ms, r.end_ms))
            .collect();
        assert_eq!(spans, vec![(300, 850), (1250, 1800)]);
    }

    #[test]
    fn a_word_after_a_pause_starts_where_the_sound_does() {
        // "you ask what": the alignment gives "ask" the pause before it (7280..8500) and
        // ends "you" before its sound does; the sound says "ask" starts at 8190.
        let runs = [run(7010, 7530), run(8190, 8490), run(8600, 9000)];
        let words = [(7080, 7280), (7280, 8500), (8500, 8720)];
        assert_eq!(anchored_onsets(&words, &runs), vec![7010, 8190, 8600]);
    }

    #[test]
    fn a_word_that_was_given_the_pause_after_it_stays_before_it() {
        // "... winners | and losers" (news_8k): the alignment gives "winners" the pause
        // after it, so its end lies where the next run starts; most of its span, about its
        // length, lies in the run before, and there it stays.
        let runs = [run(0, 1200), run(1400, 2000)];
        let words = [(0, 380), (400, 1340), (1340, 1900)];
        let expected = [
            expected_length_ms("the"),
            expected_length_ms("winners"),
            180,
        ];
        let starts: Vec<u64> = anchored_spans(&words, &expected, &runs)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(starts, vec![0, 460, 1400]);
        // Were it a word of one letter, it would go after the pause.
        let by_end = anchored_spans(&words, &[MS_PER_LETTER; 3], &runs);
        assert_eq!(by_end[1].0, 1400);
    }

    #[test]
    fn words_inside_a_run_keep_their_lagged_times_and_the_order() {
        let runs = [run(1000, 2000)];
        let words = [(900, 1300), (1300, 1600), (1600, 1990)];
        assert_eq!(anchored_onsets(&words, &runs), vec![1000, 1360, 1660]);
    }

    #[test]
    fn words_the_alignment_collapsed_get_room_from_the_words_before() {
        // lecture_en, 24.0-26.1 s: "... about in the journals and in the literature" in one
        // run, as aligned; the last four words in 160 ms.
        let text = [
            "about",
            "in",
            "the",
            "journals",
            "and",
            "in",
            "the",
            "literature",
        ];
        let starts = [0, 200, 960, 1500, 1880, 1906, 1924, 1951];
        let words: Vec<(u64, u64)> = starts
            .iter()
            .zip(starts.iter().skip(1).chain([&2040]))
            .map(|(&s, &e)| (s, e))
            .collect();
        let expected: Vec<u64> = text.iter().map(|t| expected_length_ms(t)).collect();
        let runs = [run(0, 2100)];
        let got = anchored_spans(&words, &expected, &runs);
        assert_eq!(got[0].0, 0, "the run's first word stays at its start");
        for (k, &(s, e)) in got.iter().enumerate() {
            assert!(
                (e - s) as f64 >= expected[k] as f64 * RELIEVED_SHARE - 1.0,
                "{} has {} ms: {got:?}",
                text[k],
                e - s
            );
        }
        assert_eq!(got[7].1, 2100);
        // The time came from "in" and "the" (760 and 540 ms), not from "about".
        assert_eq!(got[1].0, 260);
        assert!(
            got[2].1 - got[2].0 < 540 && got[1].1 - got[1].0 < 760,
            "{got:?}"
        );
        // Words with their expected length are left as they were.
        let even: Vec<(u64, u64)> = (0..8).map(|k| (k * 250, k * 250 + 250)).collect();
        let kept = anchored_spans(&even, &[240; 8], &[run(0, 2000)]);
        let lagged: Vec<u64> = (0..8)
            .map(|k| if k == 0 { 0 } else { k * 250 + 60 })
            .collect();
        assert_eq!(kept.iter().map(|s| s.0).collect::<Vec<_>>(), lagged);
    }

    #[test]
    fn words_collapsed_with_no_room_before_them_are_left_as_they_were() {
        // Five words aligned into the first 100 ms of a run (words of the run before, in a
        // noisy copy): nothing before them can give room, and the words after stay put.
        let mut words: Vec<(u64, u64)> = (0..5).map(|k| (1000 + k * 5, 1005 + k * 5)).collect();
        words.push((1400, 1700));
        let got = anchored_spans(&words, &[300; 6], &[run(1000, 1800)]);
        let starts: Vec<u64> = got.iter().map(|s| s.0).collect();
        assert_eq!(starts, vec![1000, 1065, 1070, 1075, 1080, 1460]);
    }

    #[test]
    fn speech_is_not_left_without_words_but_a_faint_run_may_be() {
        // "ask" ends (3840 + lag) between its run and the next; the run at 3290 is speech
        // and must not stay empty.
        let runs = [run(1360, 2110), run(3290, 3660), run(4010, 4290)];
        let words = [(1580, 2300), (2300, 3840), (3840, 4180)];
        assert_eq!(anchored_onsets(&words, &runs), vec![1360, 3290, 4010]);
        // A faint noise after the last word is left alone.
        let faint = Run {
            weight: 0.05,
            ..run(10580, 10990)
        };
        let runs = [run(9720, 10360), faint];
        let words = [(9780, 9960), (9960, 10380)];
        assert_eq!(anchored_onsets(&words, &runs), vec![9720, 10020]);
    }
}
