//! Russian stress marking against the real Python package.
//!
//! `tests/data/stress_reference.jsonl` holds the output of silero-stress 1.5 itself (with
//! torch, generated once; see tests/data/README.md) for 217 texts: corpus sentences,
//! 150 words of its exceptions dictionary, homograph pairs and odd cases.

mod common;

use revoice::stress::{StressLevel, Stresser};

fn stresser(level: StressLevel) -> Stresser {
    let m = common::models();
    m.ensure(&[
        revoice::stress::DATA_FILE,
        revoice::stress::ACCENTOR_FILE,
        revoice::stress::HOMOSOLVER_FILE,
    ])
    .expect("stress model prepared (run scripts/setup.sh)");
    revoice::tts::init_runtime(&m.onnxruntime_lib().unwrap()).unwrap();
    Stresser::load(m.root(), level, 1).unwrap()
}

struct Case {
    text: String,
    normal: String,
    high: String,
}

fn reference() -> Vec<Case> {
    let text = include_str!("data/stress_reference.jsonl");
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            Case {
                text: s("text"),
                normal: s("normal"),
                high: s("high"),
            }
        })
        .collect()
}

/// Compares word by word; returns (words agreeing, words, first disagreements).
fn agreement(level: StressLevel, pick: fn(&Case) -> &str) -> (usize, usize, Vec<String>) {
    let mut s = stresser(level);
    let (mut same, mut total, mut diffs) = (0, 0, Vec::new());
    for case in reference() {
        let ours = s.stress(&case.text).unwrap();
        let want = pick(&case);
        for (a, b) in ours.split_whitespace().zip(want.split_whitespace()) {
            total += 1;
            if a == b {
                same += 1;
            } else if diffs.len() < 20 {
                diffs.push(format!("{a} (python: {b}) in {:?}", case.text));
            }
        }
        assert_eq!(
            ours.split_whitespace().count(),
            want.split_whitespace().count(),
            "{ours}"
        );
    }
    (same, total, diffs)
}

#[test]
fn silero_examples_are_stressed_as_the_package_documents() {
    let mut s = stresser(StressLevel::Accentor);
    assert_eq!(
        s.stress("Мы пили молоко и ели белые грибы.").unwrap(),
        "М+ы п+или молок+о +и +ели б+елые гриб+ы."
    );
    // ё is restored, hyphenated words keep the unstressed "-то".
    assert_eq!(s.stress("Все ее вещи").unwrap(), "Вс+е е+ё в+ещи");
    assert_eq!(s.stress("Кто-то, iPhone 15").unwrap(), "Кт+о-то, iPhone 15");
}

#[test]
fn the_accentor_agrees_with_the_python_package_word_for_word() {
    let (same, total, diffs) = agreement(StressLevel::Accentor, |c| &c.normal);
    println!("normal: {same}/{total} words agree; {diffs:#?}");
    assert!(total > 550);
    assert_eq!(same, total, "{diffs:#?}");
}

#[test]
fn the_homograph_solver_agrees_with_the_python_package_word_for_word() {
    let (same, total, diffs) = agreement(StressLevel::Homographs, |c| &c.high);
    println!("high: {same}/{total} words agree; {diffs:#?}");
    assert_eq!(same, total, "{diffs:#?}");
}

#[test]
fn homographs_follow_their_context() {
    let mut s = stresser(StressLevel::Homographs);
    assert!(s
        .stress("Старинный замок стоит на холме.")
        .unwrap()
        .contains("з+амок"));
    assert!(s
        .stress("Эта работа для меня настоящая мука.")
        .unwrap()
        .contains("м+ука"));
    assert!(s
        .stress("Для пирога нужна пшеничная мука.")
        .unwrap()
        .contains("мук+а"));
    // Off leaves the text alone.
    let mut off = stresser(StressLevel::Off);
    assert_eq!(off.stress("замок").unwrap(), "замок");
}
