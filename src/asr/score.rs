//! How good a draft is, against truth: word error rate and where each utterance's first word
//! was put. Shared by the tests and the accuracy benchmark, so both score alike and the peer
//! (whisper.cpp run directly) is scored by the same code.
//!
//! Words are compared after one normalisation: lowercase; hyphens and slashes become spaces;
//! every other character that is not a letter or a digit is dropped ("Don't," → "dont"); "Mr",
//! "Mrs" and "Dr" are spelled out.

use crate::model::Ms;

/// An utterance as said: when it started and its words.
#[derive(Debug, Clone, PartialEq)]
pub struct TrueUtterance {
    /// Its first sample.
    pub start: Ms,
    /// What was said.
    pub text: String,
}

/// A recognised word and where it was put.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedWord {
    /// The word.
    pub text: String,
    /// Its start.
    pub start: Ms,
}

/// The errors of a draft against the truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Words in the truth.
    pub words: usize,
    /// Substituted, deleted and inserted words.
    pub substitutions: usize,
    /// Words said but missing from the draft.
    pub deletions: usize,
    /// Words in the draft that were not said.
    pub insertions: usize,
    /// For each utterance with a recognised word: that word's start minus the utterance's start,
    /// in ms (negative: early).
    pub onset_errors: Vec<i64>,
    /// Utterances of which no word was recognised.
    pub missed_utterances: usize,
}

impl Score {
    /// Word error rate, 0-1 (can pass 1 with many insertions).
    pub fn wer(&self) -> f64 {
        (self.substitutions + self.deletions + self.insertions) as f64 / self.words.max(1) as f64
    }

    /// Median of the onset errors' sizes, ms.
    pub fn median_abs_onset_error(&self) -> f64 {
        median(self.onset_errors.iter().map(|e| e.unsigned_abs() as f64).collect())
    }

    /// Median of the onset errors with their sign, ms.
    pub fn median_onset_error(&self) -> f64 {
        median(self.onset_errors.iter().map(|&e| e as f64).collect())
    }

    /// Adds another file's counts to these.
    pub fn pool(mut self, other: &Score) -> Score {
        self.words += other.words;
        self.substitutions += other.substitutions;
        self.deletions += other.deletions;
        self.insertions += other.insertions;
        self.onset_errors.extend(&other.onset_errors);
        self.missed_utterances += other.missed_utterances;
        self
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 }
}

/// `text` as the words scoring compares.
pub fn normalise(text: &str) -> Vec<String> {
    let spaced: String = text
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            '-' | '/' => Some(' '),
            c if c.is_alphanumeric() || c.is_whitespace() => Some(c),
            _ => None,
        })
        .collect();
    spaced
        .split_whitespace()
        .map(|word| match word {
            // Whisper writes the abbreviation where a transcript spells the word out.
            "mr" => "mister".to_owned(),
            "mrs" => "missus".to_owned(),
            "dr" => "doctor".to_owned(),
            other => other.to_owned(),
        })
        .collect()
}

/// Scores `draft` against `truth` with one alignment over the whole file.
pub fn score(truth: &[TrueUtterance], draft: &[TimedWord]) -> Score {
    let (reference, owner): (Vec<String>, Vec<usize>) =
        truth.iter().enumerate().flat_map(|(k, u)| normalise(&u.text).into_iter().map(move |w| (w, k))).unzip();
    let (hypothesis, starts): (Vec<String>, Vec<Ms>) =
        draft.iter().flat_map(|w| normalise(&w.text).into_iter().map(move |piece| (piece, w.start))).unzip();
    let pairs = align(&reference, &hypothesis);
    let mut score = Score {
        words: reference.len(),
        substitutions: 0,
        deletions: 0,
        insertions: 0,
        onset_errors: Vec::new(),
        missed_utterances: 0,
    };
    let mut first_of: Vec<Option<usize>> = vec![None; truth.len()];
    for &(r, h) in &pairs {
        match (r, h) {
            (Some(r), Some(h)) => {
                score.substitutions += usize::from(reference[r] != hypothesis[h]);
                first_of[owner[r]].get_or_insert(h);
            }
            (Some(_), None) => score.deletions += 1,
            (None, Some(_)) => score.insertions += 1,
            (None, None) => {}
        }
    }
    for (utterance, first) in truth.iter().zip(first_of) {
        match first {
            Some(h) => score.onset_errors.push(starts[h].0 as i64 - utterance.start.0 as i64),
            None => score.missed_utterances += 1,
        }
    }
    score
}

/// The alignment of least edits: pairs of (reference index, hypothesis index), `None` for a
/// deletion or insertion.
fn align(reference: &[String], hypothesis: &[String]) -> Vec<(Option<usize>, Option<usize>)> {
    let (n, m) = (reference.len(), hypothesis.len());
    let mut cost = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in cost.iter_mut().enumerate() {
        row[0] = i;
    }
    cost[0] = (0..=m).collect();
    for i in 1..=n {
        for j in 1..=m {
            let diagonal = cost[i - 1][j - 1] + usize::from(reference[i - 1] != hypothesis[j - 1]);
            cost[i][j] = diagonal.min(cost[i - 1][j] + 1).min(cost[i][j - 1] + 1);
        }
    }
    let (mut i, mut j) = (n, m);
    let mut pairs = Vec::with_capacity(n.max(m));
    while i > 0 || j > 0 {
        if i > 0 && j > 0 && cost[i][j] == cost[i - 1][j - 1] + usize::from(reference[i - 1] != hypothesis[j - 1]) {
            pairs.push((Some(i - 1), Some(j - 1)));
            i -= 1;
            j -= 1;
        } else if i > 0 && cost[i][j] == cost[i - 1][j] + 1 {
            pairs.push((Some(i - 1), None));
            i -= 1;
        } else {
            pairs.push((None, Some(j - 1)));
            j -= 1;
        }
    }
    pairs.reverse();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_counted_after_normalising_and_onsets_taken_from_the_first_word_heard() {
        let truth = [
            TrueUtterance { start: Ms(1_000), text: "Thank you both, for coming in.".into() },
            TrueUtterance { start: Ms(5_000), text: "I work as a night-porter.".into() },
            TrueUtterance { start: Ms(9_000), text: "Mm.".into() },
        ];
        let words = |list: &[(&str, u64)]| -> Vec<TimedWord> {
            list.iter().map(|&(t, s)| TimedWord { text: t.into(), start: Ms(s) }).collect()
        };
        // "uh" inserted, "both" missing, "for" heard as "four", "I" missing: the first word
        // heard of utterance 2 is "work".
        let draft = words(&[
            ("uh", 500),
            ("Thank", 900),
            ("you", 1_200),
            ("four", 1_500),
            ("coming", 1_700),
            ("in.", 2_000),
            ("work", 5_300),
            ("as", 5_500),
            ("a", 5_600),
            ("Night-Porter.", 5_700),
        ]);
        let s = score(&truth, &draft);
        assert_eq!((s.words, s.substitutions, s.deletions, s.insertions), (13, 1, 3, 1));
        assert!((s.wer() - 5.0 / 13.0).abs() < 1e-9);
        assert_eq!(s.onset_errors, [-100, 300]);
        assert_eq!(s.missed_utterances, 1);
        assert_eq!(s.median_abs_onset_error(), 200.0);
        assert_eq!(normalise("Don't — stop/go, Æsop's"), ["dont", "stop", "go", "æsops"]);
        let pooled = s.clone().pool(&s);
        assert_eq!((pooled.words, pooled.onset_errors.len(), pooled.missed_utterances), (26, 4, 2));
    }
}
