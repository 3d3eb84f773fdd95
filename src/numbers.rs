//! Whole numbers as words, in English and Russian (cardinal, nominative; English ordinals;
//! the word for "per cent" after a number), for comparing transcripts where one side writes
//! "496" and the other "four hundred ninety-six".

/// `n` spelled out in `language` (`en`, `ru`), or `None` for other languages or n ≥ 10^12.
pub fn spell(n: u64, language: &str) -> Option<String> {
    if n >= 1_000_000_000_000 {
        return None;
    }
    match language {
        "en" => Some(english(n)),
        "ru" => Some(russian(n)),
        _ => None,
    }
}

/// `n` as an English ordinal ("twenty-first"); `None` for other languages or n ≥ 10^12.
pub fn spell_ordinal(n: u64, language: &str) -> Option<String> {
    if language != "en" {
        return None;
    }
    let cardinal = spell(n, language)?;
    let cut = cardinal.rfind([' ', '-']).map_or(0, |i| i + 1);
    let (head, last) = cardinal.split_at(cut);
    let last = match last {
        "one" => "first".to_string(),
        "two" => "second".to_string(),
        "three" => "third".to_string(),
        "five" => "fifth".to_string(),
        "eight" => "eighth".to_string(),
        "nine" => "ninth".to_string(),
        "twelve" => "twelfth".to_string(),
        tens if tens.ends_with('y') => format!("{}ieth", &tens[..tens.len() - 1]),
        other => format!("{other}th"),
    };
    Some(format!("{head}{last}"))
}

/// The word for "per cent" after the number `n` (its whole part; `fraction` when it has
/// decimals) in `language`: "percent"; in Russian the form agrees with the number
/// ("1 процент", "4 процента", "5 процентов", "3,5 процента").
pub fn percent(n: u64, fraction: bool, language: &str) -> Option<&'static str> {
    const RU: [&str; 3] = ["процент", "процента", "процентов"];
    match language {
        "en" => Some("percent"),
        "ru" if fraction => Some(RU[1]),
        "ru" => Some(RU[russian_form(n)]),
        _ => None,
    }
}

const EN_ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const EN_TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

fn english(n: u64) -> String {
    if n == 0 {
        return EN_ONES[0].into();
    }
    let mut parts = Vec::new();
    for (scale, name) in [
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1_000, "thousand"),
        (1, ""),
    ] {
        let group = (n / scale) % 1000;
        if group > 0 {
            parts.push(english_below_thousand(group));
            if !name.is_empty() {
                parts.push(name.to_string());
            }
        }
    }
    parts.join(" ")
}

fn english_below_thousand(n: u64) -> String {
    let mut parts = Vec::new();
    if n >= 100 {
        parts.push(format!("{} hundred", EN_ONES[(n / 100) as usize]));
    }
    let rest = n % 100;
    if rest >= 20 {
        let tens = EN_TENS[(rest / 10) as usize];
        parts.push(if rest % 10 == 0 {
            tens.to_string()
        } else {
            format!("{tens}-{}", EN_ONES[(rest % 10) as usize])
        });
    } else if rest > 0 {
        parts.push(EN_ONES[rest as usize].to_string());
    }
    parts.join(" ")
}

const RU_ONES: [&str; 20] = [
    "ноль",
    "один",
    "два",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
];
const RU_TENS: [&str; 10] = [
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
];
const RU_HUNDREDS: [&str; 10] = [
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
];

fn russian(n: u64) -> String {
    if n == 0 {
        return RU_ONES[0].into();
    }
    // (scale, forms for 1 / 2-4 / 5+, feminine)
    let scales: [(u64, [&str; 3], bool); 4] = [
        (
            1_000_000_000,
            ["миллиард", "миллиарда", "миллиардов"],
            false,
        ),
        (1_000_000, ["миллион", "миллиона", "миллионов"], false),
        (1_000, ["тысяча", "тысячи", "тысяч"], true),
        (1, ["", "", ""], false),
    ];
    let mut parts = Vec::new();
    for (scale, forms, feminine) in scales {
        let group = (n / scale) % 1000;
        if group == 0 {
            continue;
        }
        parts.extend(russian_below_thousand(group, feminine));
        let name = forms[russian_form(group)];
        if !name.is_empty() {
            parts.push(name.to_string());
        }
    }
    parts.join(" ")
}

/// Which of the three noun forms follows `n`: 1 -> 0, 2-4 -> 1, else 2 (11-14 take 2).
fn russian_form(n: u64) -> usize {
    let last_two = n % 100;
    let last = n % 10;
    if (11..=14).contains(&last_two) {
        2
    } else if last == 1 {
        0
    } else if (2..=4).contains(&last) {
        1
    } else {
        2
    }
}

fn russian_below_thousand(n: u64, feminine: bool) -> Vec<String> {
    let mut parts = Vec::new();
    if n >= 100 {
        parts.push(RU_HUNDREDS[(n / 100) as usize].to_string());
    }
    let rest = n % 100;
    let ones = if rest >= 20 {
        parts.push(RU_TENS[(rest / 10) as usize].to_string());
        rest % 10
    } else {
        rest
    };
    if ones > 0 {
        parts.push(match (ones, feminine) {
            (1, true) => "одна".to_string(),
            (2, true) => "две".to_string(),
            _ => RU_ONES[ones as usize].to_string(),
        });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_numbers() {
        assert_eq!(spell(0, "en").unwrap(), "zero");
        assert_eq!(spell(21, "en").unwrap(), "twenty-one");
        assert_eq!(spell(496, "en").unwrap(), "four hundred ninety-six");
        assert_eq!(spell(2026, "en").unwrap(), "two thousand twenty-six");
        assert_eq!(spell(1_000_000, "en").unwrap(), "one million");
    }

    #[test]
    fn russian_numbers_agree_in_form() {
        assert_eq!(spell(496, "ru").unwrap(), "четыреста девяносто шесть");
        assert_eq!(spell(614, "ru").unwrap(), "шестьсот четырнадцать");
        assert_eq!(spell(1000, "ru").unwrap(), "одна тысяча");
        assert_eq!(spell(2022, "ru").unwrap(), "две тысячи двадцать два");
        assert_eq!(spell(5_011, "ru").unwrap(), "пять тысяч одиннадцать");
        assert_eq!(spell(21_000_000, "ru").unwrap(), "двадцать один миллион");
        assert_eq!(spell(300, "ru").unwrap(), "триста");
    }

    #[test]
    fn english_ordinals() {
        let ord = |n| spell_ordinal(n, "en").unwrap();
        assert_eq!(ord(1), "first");
        assert_eq!(ord(21), "twenty-first");
        assert_eq!(ord(12), "twelfth");
        assert_eq!(ord(40), "fortieth");
        assert_eq!(ord(100), "one hundredth");
        assert_eq!(ord(1983), "one thousand nine hundred eighty-third");
        assert_eq!(spell_ordinal(3, "ru"), None);
    }

    #[test]
    fn per_cent_agrees_with_the_number() {
        assert_eq!(percent(4, false, "en"), Some("percent"));
        assert_eq!(percent(1, false, "ru"), Some("процент"));
        assert_eq!(percent(4, false, "ru"), Some("процента"));
        assert_eq!(percent(11, false, "ru"), Some("процентов"));
        assert_eq!(percent(25, false, "ru"), Some("процентов"));
        assert_eq!(percent(3, true, "ru"), Some("процента"));
        assert_eq!(percent(4, false, "de"), None);
    }

    #[test]
    fn other_languages_and_huge_numbers_are_left_alone() {
        assert_eq!(spell(5, "de"), None);
        assert_eq!(spell(1_000_000_000_000, "en"), None);
    }
}
