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
/// "496" and "четыреста девяносто шесть" compare equal, with what is written around them
/// said too ([`as_said`]: "4%" is "four percent"). Other languages keep digits.
pub fn normalize_in(text: &str, language: &str) -> Vec<String> {
    normalize(&as_said(text, language))
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

/// Written forms of numbers rewritten as they are said, before the words are split:
/// "4%" -> "4 percent" ("4 процента"), "$5" -> "5 dollars", "21st" -> "twenty-first",
/// "1,000" -> "1000" and "3.5" -> "3 point 5" (English), "-35" -> "minus 35" ("минус 35").
/// A voice reads "4%" as "four percent" and Whisper writes either form, so both sides
/// compare as said. Only `en` and `ru`; other text is left as it is.
fn as_said(text: &str, language: &str) -> String {
    if !matches!(language, "en" | "ru") {
        return text.to_string();
    }
    text.split_whitespace()
        .map(|token| said(token, language).unwrap_or_else(|| token.to_string()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One token as said, or `None` when it is no written number.
fn said(token: &str, language: &str) -> Option<String> {
    // Sentence punctuation around the token is not part of the number.
    let core = token.trim_matches(|c: char| !(c.is_alphanumeric() || c == '$' || c == '%'));
    // A minus sign written before the number ("-35" in a list of temperatures) is said.
    let signed =
        token.trim_start_matches(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '−')));
    if let Some(rest) = signed.strip_prefix(['-', '−']) {
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let minus = if language == "ru" {
                "минус"
            } else {
                "minus"
            };
            let number = said(rest, language).unwrap_or_else(|| rest.to_string());
            return Some(format!("{minus} {number}"));
        }
    }
    let (dollars, core) = match core.strip_prefix('$') {
        Some(rest) => (true, rest),
        None => (false, core),
    };
    let (per_cent, core) = match core.strip_suffix('%') {
        Some(rest) => (true, rest),
        None => (false, core),
    };
    if per_cent && core.is_empty() {
        // "%" on its own, after a number written apart from it.
        return numbers::percent(5, false, language).map(str::to_string);
    }
    if language == "en" && !dollars && !per_cent {
        let lower = core.to_ascii_lowercase();
        let digits = ["st", "nd", "rd", "th"]
            .iter()
            .find_map(|suffix| lower.strip_suffix(suffix))
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
        if let Some(digits) = digits {
            return numbers::spell_ordinal(digits.parse().ok()?, language);
        }
    }
    let (whole, decimals) = written_number(core, language)?;
    let number = match decimals {
        Some(d) if language == "en" => {
            let digits: Vec<String> = d.chars().map(String::from).collect();
            format!("{whole} point {}", digits.join(" "))
        }
        Some(d) => format!("{whole},{d}"),
        None => whole.to_string(),
    };
    if per_cent {
        let word = numbers::percent(whole, decimals.is_some(), language)?;
        return Some(format!("{number} {word}"));
    }
    if dollars && language == "en" {
        let unit = if whole == 1 && decimals.is_none() {
            "dollar"
        } else {
            "dollars"
        };
        return Some(format!("{number} {unit}"));
    }
    // A plain number only needs rewriting when separators would split it.
    (decimals.is_some() || core.contains(',')).then_some(number)
}

/// A number as written in `language`: its whole part (English thousands separated by
/// commas: "1,000") and the digits after its decimal mark ("." in English, "," in
/// Russian).
fn written_number<'a>(core: &'a str, language: &str) -> Option<(u64, Option<&'a str>)> {
    let mark = if language == "ru" { ',' } else { '.' };
    let (whole, decimals) = match core.split_once(mark) {
        Some((w, d)) if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) => (w, Some(d)),
        Some(_) => return None,
        None => (core, None),
    };
    let mut groups = whole.split(',');
    let first = groups.next()?;
    let rest: Vec<&str> = groups.collect();
    let digits_only = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let grouped = rest.is_empty() || (first.len() <= 3 && rest.iter().all(|g| g.len() == 3));
    if !digits_only(first) || !rest.iter().all(|g| digits_only(g)) || !grouped {
        return None;
    }
    let whole: String = std::iter::once(first).chain(rest).collect();
    Some((whole.parse().ok()?, decimals))
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

    #[test]
    fn what_is_written_around_numbers_is_said_too() {
        for (written, said, language) in [
            ("a 4% global tax.", "a four percent global tax", "en"),
            ("a 4 % tax", "a four percent tax", "en"),
            (
                "It cost $5, or $1.",
                "it cost five dollars, or one dollar",
                "en",
            ),
            ("in the 21st century", "in the twenty-first century", "en"),
            ("1,000 people", "one thousand people", "en"),
            ("3.5 metres", "three point five metres", "en"),
            ("at -5.5 degrees", "at minus five point five degrees", "en"),
            ("pages 20-30", "pages twenty thirty", "en"),
            ("рост на 4%", "рост на четыре процента", "ru"),
            ("рост на 25%.", "рост на двадцать пять процентов", "ru"),
            (
                "-35, -45 градусов",
                "минус тридцать пять, минус сорок пять градусов",
                "ru",
            ),
        ] {
            assert_eq!(
                normalize_in(written, language),
                normalize_in(said, language),
                "{written} / {said}"
            );
        }
        // Not numbers, or not this language's: left as they are.
        assert_eq!(normalize_in("1st", "de"), vec!["1st"]);
        assert_eq!(normalize_in("U.S. 5th", "en"), vec!["u", "s", "fifth"]);
        assert_eq!(normalize_in("1,2,3", "en"), vec!["one", "two", "three"]);
    }
}
