//! Word error rate between two transcripts, as `docs/quality.md` (shared) defines it:
//! lower case, punctuation removed, numbers as spoken, then word-level edit distance over
//! the reference length.

use crate::numbers;

/// Lower-case words with punctuation removed (apostrophes inside words kept: "don't";
/// other punctuation, hyphens included, separates words: "496-Ира" is "496 ира").
pub fn normalize(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// [`normalize`], then numbers written as digits spelled out in `language` (`en`, `ru`), so
/// "496" and "четыреста девяносто шесть" compare equal. Other languages keep digits.
pub fn normalize_in(text: &str, language: &str) -> Vec<String> {
    normalize(text)
        .into_iter()
        .flat_map(|w| {
            match w
                .parse::<u64>()
                .ok()
                .and_then(|n| numbers::spell(n, language))
            {
                Some(spoken) => normalize(&spoken),
                None => vec![w],
            }
        })
        .collect()
}

/// WER with numbers compared as spoken in `language` (see [`normalize_in`]).
pub fn wer_in(reference: &str, hypothesis: &str, language: &str) -> f64 {
    rate(
        &normalize_in(reference, language),
        &normalize_in(hypothesis, language),
    )
}

/// Edit distance (substitutions + deletions + insertions) between word sequences.
pub fn edit_distance(reference: &[String], hypothesis: &[String]) -> usize {
    let mut prev: Vec<usize> = (0..=hypothesis.len()).collect();
    let mut cur = vec![0; hypothesis.len() + 1];
    for (i, r) in reference.iter().enumerate() {
        cur[0] = i + 1;
        for (j, h) in hypothesis.iter().enumerate() {
            let substitution = prev[j] + usize::from(r != h);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[hypothesis.len()]
}

/// The pairs (index in `a`, index in `b`) set against each other, equal or substituted, on
/// a minimum-edit-distance alignment of the two sequences, in order. Insertions and
/// deletions pair with nothing.
pub fn aligned_pairs<T: PartialEq>(a: &[T], b: &[T]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    // cost[i][j]: edit distance of a[..i] and b[..j].
    let mut cost = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in cost.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, c) in cost[0].iter_mut().enumerate() {
        *c = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let sub = cost[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cost[i][j] = sub.min(cost[i - 1][j] + 1).min(cost[i][j - 1] + 1);
        }
    }
    let (mut i, mut j) = (n, m);
    let mut pairs = Vec::new();
    while i > 0 && j > 0 {
        if cost[i][j] == cost[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]) {
            pairs.push((i - 1, j - 1));
            i -= 1;
            j -= 1;
        } else if cost[i][j] == cost[i - 1][j] + 1 {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    pairs.reverse();
    pairs
}

/// WER of `hypothesis` against `reference`, 0.0..; 0 when both are empty.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    rate(&normalize(reference), &normalize(hypothesis))
}

fn rate(r: &[String], h: &[String]) -> f64 {
    if r.is_empty() {
        return if h.is_empty() { 0.0 } else { 1.0 };
    }
    edit_distance(r, h) as f64 / r.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_punctuation_do_not_count() {
        assert_eq!(
            wer(
                "Ask not what your country can do for you.",
                "ask not, what your country can do for you"
            ),
            0.0
        );
    }

    #[test]
    fn each_kind_of_error_counts_once() {
        assert!((wer("a b c d", "a x c d") - 0.25).abs() < 1e-9); // substitution
        assert!((wer("a b c d", "a c d") - 0.25).abs() < 1e-9); // deletion
        assert!((wer("a b c d", "a b b c d") - 0.25).abs() < 1e-9); // insertion
        assert_eq!(wer("", ""), 0.0);
        assert_eq!(wer("", "extra"), 1.0);
    }

    #[test]
    fn cyrillic_words_are_kept() {
        assert_eq!(normalize("Маша, 496!"), vec!["маша", "496"]);
        assert_eq!(normalize("Маша 496-Ира"), vec!["маша", "496", "ира"]);
    }

    #[test]
    fn numbers_count_as_spoken() {
        assert_eq!(
            wer_in("Маша 496 ира", "Маша четыреста девяносто шесть, Ира.", "ru"),
            0.0
        );
        assert_eq!(wer_in("room 21", "room twenty-one", "en"), 0.0);
        // Spelled out, a wrong number costs each wrong word.
        assert!(wer_in("Маша 496", "Маша 497", "ru") > 0.0);
    }
}
