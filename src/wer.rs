//! Word error rate between two transcripts, as `docs/quality.md` (shared) defines it:
//! lower case, punctuation removed, then word-level edit distance over the reference length.

/// Lower-case words with punctuation removed (apostrophes inside words kept: "don't").
pub fn normalize(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .flat_map(char::to_lowercase)
                .collect::<String>()
                .trim_matches('\'')
                .to_string()
        })
        .filter(|w| !w.is_empty())
        .collect()
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

/// WER of `hypothesis` against `reference`, 0.0..; 0 when both are empty.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    let r = normalize(reference);
    let h = normalize(hypothesis);
    if r.is_empty() {
        return if h.is_empty() { 0.0 } else { 1.0 };
    }
    edit_distance(&r, &h) as f64 / r.len() as f64
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
    }
}
