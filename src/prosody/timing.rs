//! Word-level timing: each synthetic word placed where the speaker said it.
//!
//! Each word of the synthetic speech (with whatever follows it up to the next word) fills
//! the speaker's slot for that word, from its start to the next word's start. Within
//! [`MIN_RATE`]..[`MAX_RATE`] it is stretched to fill the slot exactly, so the next word
//! starts on time. A slot much longer than the word (a slow speaker, a hesitation) gets the
//! word slowed at most [`MAX_RATE`] and then silence: the speech pauses rather than drawls.
//! A slot much shorter gets the word squeezed to [`MIN_RATE`] and the overrun is taken from
//! the next words' slots, which catch up. A pause the voice put after a word (at a comma,
//! say) gives way before the word is squeezed: the speaker may have paused less.
//!
//! The result is a list of [`Piece`]s: stretches of output rendered from the synthetic
//! speech through one continuous time map, with silence between them.

use std::ops::Range;

use super::psola::TimeMap;

/// Output length per synthetic length allowed for a word.
pub const MIN_RATE: f64 = 0.75;
pub const MAX_RATE: f64 = 1.5;
/// Speech is slowed at most this much to fill a phrase when word times are not used.
pub const MAX_SLOWDOWN: f64 = 1.35;

/// A stretch of output (`out`, samples from the phrase start) rendered from the synthetic
/// speech through `map` (output positions relative to `out.start` to synthetic positions).
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub out: Range<usize>,
    pub map: TimeMap,
}

/// The whole synthetic clip (`in_len`) spread evenly over the span (`out_len`), slowed at
/// most [`MAX_SLOWDOWN`]: phrase-level timing.
pub fn even(in_len: usize, out_len: usize) -> Vec<Piece> {
    let len = out_len.min((in_len as f64 * MAX_SLOWDOWN) as usize);
    if len == 0 || in_len == 0 {
        return Vec::new();
    }
    vec![Piece {
        out: 0..len,
        map: TimeMap::uniform(in_len, len),
    }]
}

/// Below this level, relative to the loudest 10 ms of the synthetic phrase, its sound is a
/// pause.
const PAUSE_DB: f32 = -40.0;
const PAUSE_FRAME_SECS: f64 = 0.01;
/// A word's sound may begin this many frames before the start the voice gives it (the
/// joe voice: 20-40 ms).
const MAX_LEAD_FRAMES: usize = 4;
/// The last frames of a pause stay, whatever the room: a stop's closure (the silence
/// before "p", "t", "k") is part of the next word.
const KEPT_FRAMES: usize = 6;

/// The pause at the end of the stretch from each word of `words` (ranges of `samples`, at
/// `rate`) to the next word's start (the last: to its end) that may be left out: whole 10 ms
/// frames below [`PAUSE_DB`], possibly followed by up to [`MAX_LEAD_FRAMES`] of the next
/// word's sound, less the first quiet frame (the word's release) and the last
/// [`KEPT_FRAMES`]. At least one frame of the word stays sound; a word with no such pause
/// gets an empty range at its end.
pub fn pauses(samples: &[f32], rate: u32, words: &[Range<usize>]) -> Vec<Range<usize>> {
    let hop = ((rate as f64 * PAUSE_FRAME_SECS) as usize).max(1);
    let power = |r: Range<usize>| {
        let x = &samples[r.start.min(samples.len())..r.end.min(samples.len())];
        x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32
    };
    let loudest = (0..samples.len())
        .step_by(hop)
        .map(|i| power(i..i + hop))
        .fold(0.0f32, f32::max);
    let floor = loudest * 10f32.powf(PAUSE_DB / 10.0);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let end = words
                .get(i + 1)
                .map_or(w.end, |next| next.start.max(w.start));
            let frames = (end - w.start) / hop;
            // Frame k (1-based) counts back from `end`.
            let quiet = |k: usize| power(end - k * hop..end - (k - 1) * hop) < floor;
            let lead = (1..=frames.min(MAX_LEAD_FRAMES))
                .take_while(|&k| !quiet(k))
                .count();
            let run = (lead + 1..=frames).take_while(|&k| quiet(k)).count();
            // At least one frame of the word stays sound.
            let run = run.min(frames.saturating_sub(lead + 1));
            let removable = run.saturating_sub(1 + KEPT_FRAMES);
            if removable == 0 {
                return end..end;
            }
            let pause_end = end - (lead + KEPT_FRAMES) * hop;
            pause_end - removable * hop..pause_end
        })
        .collect()
}

/// Pieces that put synthetic word `i` (`spoken[i]`, in a clip of `in_len`) at the
/// speaker's word `i` (`original[i].start`, in a span of `out_len`). The first word starts
/// at the span's start (where the speaker is first audible). `pauses[i]`: the part of the
/// voice's pause after `spoken[i]` that may be left out ([`pauses`]); it gives way first
/// when the word has less room than it needs. Word lists that do not pair up give [`even`].
pub fn word_pieces(
    spoken: &[Range<usize>],
    original: &[Range<usize>],
    pauses: &[Range<usize>],
    in_len: usize,
    out_len: usize,
) -> Vec<Piece> {
    if spoken.len() != original.len() || spoken.is_empty() || in_len == 0 || out_len == 0 {
        return even(in_len, out_len);
    }
    let pause_before = |next_word: usize| {
        next_word
            .checked_sub(1)
            .and_then(|i| pauses.get(i))
            .cloned()
            .unwrap_or_default()
    };
    // Word starts that can anchor: a non-empty synthetic word, both starts increasing.
    // (synthetic, output, the voice's pause just before it)
    let mut anchors: Vec<(usize, usize, Range<usize>)> = vec![(0, 0, 0..0)];
    for (i, (s, o)) in spoken.iter().zip(original).enumerate().skip(1) {
        let (ls, lo) = anchors.last().map_or((0, 0), |a| (a.0, a.1));
        if !s.is_empty() && s.start > ls && o.start > lo && o.start < out_len && s.start < in_len {
            anchors.push((s.start, o.start, pause_before(i)));
        }
    }
    anchors.push((in_len, out_len, pause_before(spoken.len())));
    tracing::debug!(?spoken, ?original, ?anchors, "word anchors");
    let mut pieces: Vec<Piece> = Vec::new();
    let mut pairs: Vec<(f64, f64)> = Vec::new(); // current piece: (output, synthetic)
    let mut piece_start = 0usize;
    let mut at = 0usize; // where the next word starts in the output
    for w in anchors.windows(2) {
        let ((s0, _, _), (s1, o1, pause)) = (&w[0], &w[1]);
        let (s0, s1, o1) = (*s0, *s1, *o1);
        let natural = (s1 - s0) as f64;
        // The slot runs to the next word's start (or the span's end), from wherever this
        // word actually starts: late when an earlier word overran.
        let slot = o1.saturating_sub(at) as f64;
        if pairs.is_empty() {
            piece_start = at;
            pairs.push((0.0, s0 as f64));
        }
        if slot < natural && !pause.is_empty() && s0 < pause.start && pause.end <= s1 {
            // Short of room: the voice's pause is left out (in part or whole) before the
            // word is squeezed. This piece ends with the word's sound; the next starts
            // with the next word's sound before its start (`lead`), so that start is on time.
            let sound = (pause.start - s0) as f64;
            let lead = s1 - pause.end;
            let room = slot - lead as f64;
            let len = (sound * (room / sound).clamp(MIN_RATE, 1.0))
                .round()
                .max(1.0);
            let end = at + len as usize;
            pairs.push(((end - piece_start) as f64, pause.start as f64));
            pieces.push(close(piece_start, end, &mut pairs));
            piece_start = o1.saturating_sub(lead).max(end);
            at = piece_start + lead;
            pairs.push((0.0, pause.end as f64));
            if lead > 0 {
                pairs.push((lead as f64, s1 as f64));
            }
            continue;
        }
        let rate = (slot / natural).clamp(MIN_RATE, MAX_RATE);
        let len = (natural * rate).round() as usize;
        let end = at + len;
        pairs.push(((end - piece_start) as f64, s1 as f64));
        at = end;
        // Slower than the slot allows: silence until the next word, a new piece after it.
        if (len as f64) < slot - 1.0 {
            pieces.push(close(piece_start, end, &mut pairs));
            at = o1;
        }
    }
    if !pairs.is_empty() {
        pieces.push(close(piece_start, at, &mut pairs));
    }
    // An overrun may push the end past the span: the pieces that cross it are squeezed to
    // end there (cutting would lose the last word), those after it dropped.
    pieces.retain(|p| p.out.start < out_len);
    for p in &mut pieces {
        if p.out.end > out_len {
            let squeeze = (out_len - p.out.start) as f64 / p.out.len() as f64;
            p.map = p.map.scale_output(squeeze);
            p.out.end = out_len;
        }
    }
    tracing::debug!(?pieces, "word pieces");
    pieces
}

fn close(start: usize, end: usize, pairs: &mut Vec<(f64, f64)>) -> Piece {
    let map = TimeMap::new(std::mem::take(pairs));
    Piece {
        out: start..end,
        map,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_land_on_the_original_starts() {
        // Synthetic words at 0, 1000, 2500 (clip 4000); original at 0, 1400, 3000 (span 5000).
        let spoken = [0..900, 1000..2400, 2500..3900];
        let original = [0..1300, 1400..2800, 3000..4800];
        let pieces = word_pieces(&spoken, &original, &[], 4000, 5000);
        assert_eq!(pieces.len(), 1, "{pieces:?}");
        let p = &pieces[0];
        assert_eq!(p.out, 0..5000);
        assert_eq!(p.map.input_at(1400.0), 1000.0);
        assert_eq!(p.map.input_at(3000.0), 2500.0);
        assert_eq!(p.map.input_at(5000.0), 4000.0);
    }

    #[test]
    fn a_long_slot_gets_a_pause_not_a_drawl() {
        // The second word starts 3000 after the first, which lasts 1000: slowed 1.5x, then
        // silence, then the second word exactly on time.
        let spoken = [0..1000, 1000..2000];
        let original = [0..1000, 3000..4000];
        let pieces = word_pieces(&spoken, &original, &[], 2000, 4000);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert_eq!(pieces[0].out, 0..1500);
        assert_eq!(pieces[1].out, 3000..4000);
        assert_eq!(pieces[1].map.input_at(0.0), 1000.0);
        assert_eq!(pieces[1].map.input_at(1000.0), 2000.0);
    }

    #[test]
    fn an_overrun_is_caught_up_by_the_next_words() {
        // The first word needs 1000 but has 300: squeezed to 750, the second starts at 750
        // instead of 300 and is squeezed to end on time at 2000.
        let spoken = [0..1000, 1000..2000];
        let original = [0..300, 300..2000];
        let pieces = word_pieces(&spoken, &original, &[], 2000, 2000);
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].map.input_at(750.0), 1000.0);
        assert_eq!(pieces[0].out, 0..2000);
    }

    #[test]
    fn an_overrun_at_the_end_is_squeezed_not_cut() {
        // Two words of 1000 in a span of 1200: both squeezed to 750, 1500 in all; the end is
        // squeezed into the span and the whole clip is still read.
        let pieces = word_pieces(
            &[0..1000, 1000..2000],
            &[0..600, 600..1200],
            &[],
            2000,
            1200,
        );
        let last = pieces.last().unwrap();
        assert_eq!(last.out.end, 1200);
        assert!((last.map.input_at(1200.0) - 2000.0).abs() < 1e-6);
    }

    #[test]
    fn the_voices_pause_gives_way_before_the_word_is_squeezed() {
        // The first word is 600 of sound and a 400 pause; the speaker left it 700. The word
        // keeps its pace, the pause shrinks to 100, the second word starts on time.
        let spoken = [0..1000, 1000..2000];
        let original = [0..700, 700..1700];
        let pieces = word_pieces(&spoken, &original, &[600..1000, 2000..2000], 2000, 1700);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert_eq!(pieces[0].out, 0..600);
        assert_eq!(pieces[0].map.input_at(600.0), 600.0);
        assert_eq!(pieces[1].out, 700..1700);
        assert_eq!(pieces[1].map.input_at(0.0), 1000.0);
        // The second word's sound begins 50 before its start: it is kept, and the start
        // itself still lands on time.
        let pieces = word_pieces(&spoken, &original, &[600..950, 2000..2000], 2000, 1700);
        assert_eq!(pieces[1].out, 650..1700);
        assert_eq!(pieces[1].map.input_at(0.0), 950.0);
        assert_eq!(pieces[1].map.input_at(50.0), 1000.0);
        // Room for less than the sound: no pause left, the word squeezed, no overrun.
        let pieces = word_pieces(
            &spoken,
            &[0..500, 500..1500],
            &[600..1000, 2000..2000],
            2000,
            1500,
        );
        assert_eq!(pieces[0].out, 0..500);
        assert_eq!(pieces[1].out, 500..1500);
        // Without the pause the same word overruns its slot (squeezed to 750 at most).
        let pieces = word_pieces(&spoken, &original, &[1000..1000, 2000..2000], 2000, 1700);
        assert_eq!(pieces[0].map.input_at(750.0), 1000.0);
    }

    #[test]
    fn pauses_are_the_quiet_ends_of_words() {
        // 100 samples a frame: a word of 5 loud frames then 10 silent ones, then a word of
        // 3 loud frames with no pause.
        let rate = 10_000;
        let mut x = vec![0.5f32; 500];
        x.extend(vec![0.0; 1000]);
        x.extend(vec![-0.5; 300]);
        // The silence runs from 500 to the next word's start; its first frame (release)
        // and its last six (a closure) stay: 600..900 may go.
        assert_eq!(
            pauses(&x, rate, &[0..600, 1500..1800]),
            vec![600..900, 1800..1800]
        );
        // The next word's sound starts 20 before the start the voice gives it (the frame
        // that holds it counts as sound).
        assert_eq!(pauses(&x, rate, &[0..600, 1520..1800])[0], 620..820);
        // A pause no longer than what stays is left whole.
        assert_eq!(pauses(&x, rate, &[0..600, 1000..1800])[0], 1000..1000);
        // A word that is all silence keeps a frame of it as its sound.
        let mut y = vec![0.5f32; 100];
        y.extend(vec![0.0; 1000]);
        assert_eq!(
            pauses(&y, rate, &[0..100, 100..1100]),
            vec![100..100, 300..500]
        );
    }

    #[test]
    fn without_words_the_phrase_is_spread_evenly() {
        assert_eq!(even(1000, 5000)[0].out, 0..1350);
        assert_eq!(word_pieces(&[], &[], &[], 1000, 900)[0].out, 0..900);
    }
}
