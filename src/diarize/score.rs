//! Scoring speaker attribution against truth (tests and benchmarks): diarization error rate and
//! the share of speech time and of words given to the right speaker, under the best one-to-one
//! pairing of found voices with true ones, as NIST's md-eval scores it (no collar here).

use crate::model::{Ms, Span};

/// Frame size of the scoring, ms.
const FRAME: u64 = 10;

/// A stretch of one speaker, truth or found.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    /// When.
    pub span: Span,
    /// Who (any numbering; found and true numbers are paired by the scorer).
    pub speaker: u32,
}

/// How found speakers compare with the truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Diarization error rate: (missed + false alarm + confusion) / true speech, speaker-time.
    pub der: f64,
    /// Missed speech share.
    pub missed: f64,
    /// False alarm share.
    pub false_alarm: f64,
    /// Confusion share.
    pub confusion: f64,
    /// Share of the time one true speaker talks alone that goes to them.
    pub single_speaker_time: f64,
    /// The pairing used: found speaker → true speaker.
    pub pairing: Vec<(u32, u32)>,
}

/// Scores `found` against `truth`, pairing found speakers with true ones to make the fewest errors.
pub fn score(truth: &[Labelled], found: &[Labelled]) -> Score {
    let true_ids = ids(truth);
    let found_ids = ids(found);
    let end = truth.iter().chain(found).map(|l| l.span.end.0).max().unwrap_or(0);
    let frames = (end / FRAME + 1) as usize;
    let sets = |labelled: &[Labelled], ids: &[u32]| {
        let mut frames_of = vec![0u32; frames];
        for l in labelled {
            let bit = 1u32 << ids.iter().position(|i| *i == l.speaker).unwrap_or(0);
            for f in (l.span.start.0 / FRAME)..(l.span.end.0 / FRAME) {
                frames_of[f as usize] |= bit;
            }
        }
        frames_of
    };
    let (t, h) = (sets(truth, &true_ids), sets(found, &found_ids));
    // co[i][j]: frames where found i and true j both speak.
    let mut co = vec![vec![0u64; true_ids.len()]; found_ids.len()];
    for (tf, hf) in t.iter().zip(&h) {
        for (i, row) in co.iter_mut().enumerate() {
            if hf & (1 << i) != 0 {
                for (j, cell) in row.iter_mut().enumerate() {
                    if tf & (1 << j) != 0 {
                        *cell += 1;
                    }
                }
            }
        }
    }
    let pairing = best_pairing(&co);
    let mapped =
        |hf: u32| -> u32 { pairing.iter().filter(|(i, _)| hf & (1 << i) != 0).fold(0, |m, (_, j)| m | (1 << j)) };
    let (mut reference, mut missed, mut false_alarm, mut confusion) = (0u64, 0u64, 0u64, 0u64);
    let (mut alone, mut alone_right) = (0u64, 0u64);
    for (tf, hf) in t.iter().zip(&h) {
        let (r, f) = (u64::from(tf.count_ones()), u64::from(hf.count_ones()));
        let correct = u64::from((tf & mapped(*hf)).count_ones());
        reference += r;
        missed += r.saturating_sub(f);
        false_alarm += f.saturating_sub(r);
        confusion += r.min(f) - correct;
        if r == 1 {
            alone += 1;
            alone_right += u64::from(tf & mapped(*hf) != 0);
        }
    }
    let share = |x: u64, of: u64| if of == 0 { 0.0 } else { x as f64 / of as f64 };
    Score {
        der: share(missed + false_alarm + confusion, reference),
        missed: share(missed, reference),
        false_alarm: share(false_alarm, reference),
        confusion: share(confusion, reference),
        single_speaker_time: share(alone_right, alone),
        pairing: pairing.iter().map(|&(i, j)| (found_ids[i], true_ids[j])).collect(),
    }
}

/// The share of `words` (when, true speaker) whose middle falls in a found turn of the speaker
/// paired with their true one (`pairing` from [`score`], found → true).
pub fn words_right(words: &[(Span, u32)], found: &[Labelled], pairing: &[(u32, u32)]) -> f64 {
    if words.is_empty() {
        return 0.0;
    }
    let right = words
        .iter()
        .filter(|(span, speaker)| {
            let middle = Ms((span.start.0 + span.end.0) / 2);
            found
                .iter()
                .filter(|l| l.span.start <= middle && middle < l.span.end)
                .any(|l| pairing.iter().any(|(f, t)| *f == l.speaker && t == speaker))
        })
        .count();
    right as f64 / words.len() as f64
}

fn ids(labelled: &[Labelled]) -> Vec<u32> {
    let mut ids: Vec<u32> = labelled.iter().map(|l| l.speaker).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.truncate(31);
    ids
}

/// The one-to-one pairing (found index, true index) with the most shared frames: every pairing
/// is tried (speakers number at most about ten), by depth-first search with pruning.
fn best_pairing(co: &[Vec<u64>]) -> Vec<(usize, usize)> {
    fn search(
        co: &[Vec<u64>],
        i: usize,
        used: u64,
        sum: u64,
        path: &mut Vec<(usize, usize)>,
        best: &mut (u64, Vec<(usize, usize)>),
    ) {
        if i == co.len() {
            if sum > best.0 || best.1.is_empty() {
                *best = (sum, path.clone());
            }
            return;
        }
        let bound: u64 = co[i..].iter().map(|row| row.iter().copied().max().unwrap_or(0)).sum();
        if sum + bound < best.0 {
            return;
        }
        for (j, &shared) in co[i].iter().enumerate() {
            if used & (1 << j) == 0 && shared > 0 {
                path.push((i, j));
                search(co, i + 1, used | (1 << j), sum + shared, path, best);
                path.pop();
            }
        }
        search(co, i + 1, used, sum, path, best);
    }
    let mut best = (0, Vec::new());
    search(co, 0, 0, 0, &mut Vec::new(), &mut best);
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(start: u64, end: u64, speaker: u32) -> Labelled {
        Labelled { span: Span::ms(start, end), speaker }
    }

    #[test]
    fn errors_are_counted_under_the_best_pairing() {
        let truth = [l(0, 10_000, 1), l(10_000, 20_000, 2), l(15_000, 16_000, 1)];
        // Found: the right turns under other numbers, the second one ending 1 s early, and a
        // stretch of the first speaker's given to the second.
        let found = [l(0, 8_000, 7), l(8_000, 10_000, 9), l(10_000, 19_000, 9)];
        let s = score(&truth, &found);
        assert_eq!(s.pairing, [(7, 1), (9, 2)]);
        // Truth: 21 s of speaker-time. Missed: 1 s (overlap) + 1 s (end); confusion 2 s.
        assert!((s.der - 4.0 / 21.0).abs() < 1e-9, "{}", s.der);
        assert!((s.missed - 2.0 / 21.0).abs() < 1e-9);
        assert!((s.confusion - 2.0 / 21.0).abs() < 1e-9);
        assert!((s.single_speaker_time - 16.0 / 19.0).abs() < 1e-9);
        let words = [(Span::ms(500, 900), 1), (Span::ms(8_500, 8_900), 1), (Span::ms(12_000, 12_400), 2)];
        assert!((words_right(&words, &found, &s.pairing) - 2.0 / 3.0).abs() < 1e-9);
    }
}
