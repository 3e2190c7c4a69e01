//! Scoring detected pauses against a known truth, for the accuracy test and benchmark.

use crate::model::Span;

/// Precision, recall and F1 of detected pauses against true ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Detected pauses that matched a true one.
    pub matched: usize,
    /// Pauses detected.
    pub detected: usize,
    /// True pauses.
    pub truth: usize,
    /// Median distance of a matched pause's boundaries (both ends) from the true ones, in ms.
    pub median_error_ms: Option<u64>,
}

impl Score {
    /// Matched share of detected pauses.
    pub fn precision(&self) -> f64 {
        if self.detected == 0 { 0.0 } else { self.matched as f64 / self.detected as f64 }
    }

    /// Matched share of true pauses.
    pub fn recall(&self) -> f64 {
        if self.truth == 0 { 0.0 } else { self.matched as f64 / self.truth as f64 }
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

/// Matches each detected pause to at most one true pause whose start and end both lie within
/// `tolerance_ms`, in time order.
pub fn score(detected: &[Span], truth: &[Span], tolerance_ms: u64) -> Score {
    let mut errors = boundary_errors(detected, truth, tolerance_ms);
    Score {
        matched: errors.len() / 2,
        detected: detected.len(),
        truth: truth.len(),
        median_error_ms: median(&mut errors),
    }
}

/// Several files scored as one: their counts added, and the median over all their boundary
/// errors (each file's [`score`] with its [`boundary_errors`]).
pub fn pool<'a>(files: impl IntoIterator<Item = (&'a Score, &'a [u64])>) -> Score {
    let mut pooled = Score { matched: 0, detected: 0, truth: 0, median_error_ms: None };
    let mut errors = Vec::new();
    for (score, file_errors) in files {
        pooled.matched += score.matched;
        pooled.detected += score.detected;
        pooled.truth += score.truth;
        errors.extend_from_slice(file_errors);
    }
    pooled.median_error_ms = median(&mut errors);
    pooled
}

/// The median of `values` (the upper one of an even count), reordering them.
fn median(values: &mut [u64]) -> Option<u64> {
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

/// How far (ms) each boundary of each matched pause lies from the true one: two per match,
/// matched as [`score`] matches them.
pub fn boundary_errors(detected: &[Span], truth: &[Span], tolerance_ms: u64) -> Vec<u64> {
    let mut used = vec![false; truth.len()];
    let mut errors = Vec::new();
    for d in detected {
        let hit = truth.iter().enumerate().find(|(i, t)| {
            !used[*i] && d.start.0.abs_diff(t.start.0) <= tolerance_ms && d.end.0.abs_diff(t.end.0) <= tolerance_ms
        });
        if let Some((i, t)) = hit {
            used[i] = true;
            errors.extend([d.start.0.abs_diff(t.start.0), d.end.0.abs_diff(t.end.0)]);
        }
    }
    errors
}
#[cfg(test)]
mod tests {
    use super::*;

    fn spans(v: &[(u64, u64)]) -> Vec<Span> {
        v.iter().map(|&(start, end)| Span::ms(start, end)).collect()
    }

    #[test]
    fn both_boundaries_must_be_within_tolerance_and_matches_are_one_to_one() {
        let truth = spans(&[(1000, 1500), (3000, 6000)]);
        let found = spans(&[(1100, 1650), (1000, 1500), (2900, 6151), (3000, 6000)]);
        let s = score(&found, &truth, 150);
        assert_eq!((s.matched, s.detected, s.truth), (2, 4, 2));
        // The first matched pause is 100 and 150 ms off, the second exact: errors 0, 0, 100, 150.
        assert_eq!(s.median_error_ms, Some(100));
        assert!((s.f1() - 2.0 * 0.5 / 1.5).abs() < 1e-9);
        assert_eq!(score(&[], &truth, 150).f1(), 0.0);
        // Pooled with a file of one exact match and one false pause: 2 + 1 matched, 4 + 2
        // detected, 2 + 2 true, and the median of the errors 0 0 0 0 100 150.
        let other_truth = spans(&[(500, 900), (7000, 7500)]);
        let other_found = spans(&[(500, 900), (8000, 8200)]);
        let other = score(&other_found, &other_truth, 150);
        let first_errors = boundary_errors(&found, &truth, 150);
        let other_errors = boundary_errors(&other_found, &other_truth, 150);
        let pooled = pool([(&s, first_errors.as_slice()), (&other, other_errors.as_slice())]);
        assert_eq!((pooled.matched, pooled.detected, pooled.truth), (3, 6, 4));
        assert_eq!(pooled.median_error_ms, Some(0));
    }
}
