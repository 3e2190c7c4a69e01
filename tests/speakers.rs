//! Speaker detection on conversations whose speakers are known to the sample: three real
//! voices, three espeak voices, and a focus group of seven mixed voices, with overlaps and
//! backchannels (scripts/make-speaker-fixtures). verbatim runs on the imported recordings with
//! the d-vector model from PyPI added through `verbatim models add`, without and then with the
//! live speaker keys an interviewer would have pressed, and is scored against the truth:
//! diarization error rate, the share of one-voice speech time given to the right speaker, and
//! the share of the draft's words given to the right speaker.

mod common;

use common::asr::{self, Asr};
use common::speakers::{self, Found, Truth};
use common::*;
use verbatim::diarize::score::{Score, score};

/// One run's figures.
struct Figures {
    score: Score,
    words: f64,
    named_words: Option<f64>,
}

fn run(asr: &Asr, id: &str, truth: &Truth, count: usize) -> Figures {
    ok(asr.cmd().arg("speakers").arg(asr.s.project()).arg(id).args(["--count", &count.to_string()]));
    let found = Found::export(asr, id);
    let score = score(&truth.turns, &found.turns);
    let words = speakers::words_right(truth, &found.words, &found.labels, &score.pairing);
    // With keys, L1…Ln are named: the pairing is by name, not the best one.
    let named: Vec<(u32, u32)> = found
        .labels
        .iter()
        .enumerate()
        .filter_map(|(i, l)| Some((i as u32, l.strip_prefix('L')?.parse::<u32>().ok()? - 1)))
        .collect();
    let named_words = (!named.is_empty()).then(|| speakers::words_right(truth, &found.words, &found.labels, &named));
    Figures { score, words, named_words }
}

fn line(name: &str, how: &str, f: &Figures) -> String {
    format!(
        "{name:<13} {how:<10} DER {:>5.1} % (miss {:.1}, fa {:.1}, conf {:.1})  one-voice time right {:>5.1} %  words right {:>5.1} %{}",
        100.0 * f.score.der,
        100.0 * f.score.missed,
        100.0 * f.score.false_alarm,
        100.0 * f.score.confusion,
        100.0 * f.score.single_speaker_time,
        100.0 * f.words,
        f.named_words.map_or(String::new(), |w| format!(" (by name {:.1} %)", 100.0 * w)),
    )
}

#[test]
fn speakers_are_told_apart_with_and_without_live_keys() {
    let fixtures = speakers::fixtures();
    let model = speakers::model();
    let (_, whisper) = asr::fixtures();
    let asr = Asr::new(&whisper);
    let added = ok(asr.cmd().args(["models", "add"]).arg(&model).args(["--name", "dvector"]));
    assert!(String::from_utf8_lossy(&added.stdout).contains("Added dvector: speaker"), "{added:?}");
    let mut report = Vec::new();
    for (name, count) in [("three-real", 3), ("three-espeak", 3), ("seven-mixed", 7)] {
        let truth = Truth::read(&fixtures, name);
        assert_eq!(truth.speakers.len(), count);
        let id = asr.s.import(&fixtures.join(format!("{name}.wav")));
        ok(asr.cmd().arg("transcribe").arg(asr.s.project()).arg(&id));
        let blind = run(&asr, &id, &truth, count);
        report.push(line(name, "no keys", &blind));
        speakers::press_keys(&asr, &id, &truth.keys);
        let keyed = run(&asr, &id, &truth, count);
        report.push(line(name, "live keys", &keyed));
        if count == 3 && std::env::var_os("SPEAKERS_NO_ASSERT").is_none() {
            assert!(blind.score.single_speaker_time >= 0.85, "{}", report.join("\n"));
            assert!(keyed.named_words.unwrap_or(0.0) >= 0.95, "{}", report.join("\n"));
        }
    }
    println!("{}", report.join("\n"));
}
