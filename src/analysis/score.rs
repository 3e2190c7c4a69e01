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
    errors.sort_unstable();
    let median_error_ms = (!errors.is_empty()).then(|| errors[errors.len() / 2]);
    Score { matched: errors.len() / 2, detected: detected.len(), truth: truth.len(), median_error_ms }
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
    }
}
