//! Word-level timing: each synthetic word placed where the speaker said it.
//!
//! Each word of the synthetic speech (with whatever follows it up to the next word) fills
//! the speaker's slot for that word, from its start to the next word's start. Within
//! [`MIN_RATE`]..[`MAX_RATE`] it is stretched to fill the slot exactly, so the next word
//! starts on time. A slot much longer than the word (a slow speaker, a hesitation) gets the
//! word slowed at most [`MAX_RATE`] and then silence: the speech pauses rather than drawls.
//! A slot much shorter gets the word squeezed to [`MIN_RATE`] and the overrun is taken from
//! the next words' slots, which catch up.
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

/// Pieces that put synthetic word `i` (`spoken[i]`, in a clip of `in_len`) at the
/// speaker's word `i` (`original[i].start`, in a span of `out_len`). The first word starts
/// at the span's start (where the speaker is first audible). Word lists that do not pair
/// up give [`even`].
pub fn word_pieces(
    spoken: &[Range<usize>],
    original: &[Range<usize>],
    in_len: usize,
    out_len: usize,
) -> Vec<Piece> {
    if spoken.len() != original.len() || spoken.is_empty() || in_len == 0 || out_len == 0 {
        return even(in_len, out_len);
    }
    // Word starts that can anchor: a non-empty synthetic word, both starts increasing.
    let mut anchors: Vec<(usize, usize)> = vec![(0, 0)]; // (synthetic, output)
    for (s, o) in spoken.iter().zip(original).skip(1) {
        let &(ls, lo) = anchors.last().expect("starts with the first word");
        if !s.is_empty() && s.start > ls && o.start > lo && o.start < out_len && s.start < in_len {
            anchors.push((s.start, o.start));
        }
    }
    anchors.push((in_len, out_len));
    tracing::debug!(?spoken, ?original, ?anchors, "word anchors");
    let mut pieces: Vec<Piece> = Vec::new();
    let mut pairs: Vec<(f64, f64)> = Vec::new(); // current piece: (output, synthetic)
    let mut piece_start = 0usize;
    let mut at = 0usize; // where the next word starts in the output
    for w in anchors.windows(2) {
        let ((s0, _), (s1, o1)) = (w[0], w[1]);
        let natural = (s1 - s0) as f64;
        // The slot runs to the next word's start (or the span's end), from wherever this
        // word actually starts: late when an earlier word overran.
        let slot = o1.saturating_sub(at) as f64;
        let rate = (slot / natural).clamp(MIN_RATE, MAX_RATE);
        let len = (natural * rate).round() as usize;
        if pairs.is_empty() {
            piece_start = at;
            pairs.push((0.0, s0 as f64));
        }
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
        let pieces = word_pieces(&spoken, &original, 4000, 5000);
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
        let pieces = word_pieces(&spoken, &original, 2000, 4000);
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
        let pieces = word_pieces(&spoken, &original, 2000, 2000);
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].map.input_at(750.0), 1000.0);
        assert_eq!(pieces[0].out, 0..2000);
    }

    #[test]
    fn an_overrun_at_the_end_is_squeezed_not_cut() {
        // Two words of 1000 in a span of 1200: both squeezed to 750, 1500 in all; the end is
        // squeezed into the span and the whole clip is still read.
        let pieces = word_pieces(&[0..1000, 1000..2000], &[0..600, 600..1200], 2000, 1200);
        let last = pieces.last().unwrap();
        assert_eq!(last.out.end, 1200);
        assert!((last.map.input_at(1200.0) - 2000.0).abs() < 1e-6);
    }

    #[test]
    fn without_words_the_phrase_is_spread_evenly() {
        assert_eq!(even(1000, 5000)[0].out, 0..1350);
        assert_eq!(word_pieces(&[], &[], 1000, 900)[0].out, 0..900);
    }
}
