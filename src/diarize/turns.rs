//! From voices to turns: every window of speech given to the most likely voice, with a cost for
//! changing voice inside a stretch of speech (a Viterbi path), so a turn is not cut by one odd
//! window; then turn changes moved into the nearest gap between words, so a word belongs whole
//! to one speaker.

use super::embedder::cosine;
use crate::model::{Ms, Span};

/// What a change of voice inside a stretch of speech costs, in cosine similarity: a change
/// needs that much better similarity over the windows that follow.
const SWITCH_COST: f32 = 0.25;
/// A window sounds like two voices at once when its second-best voice is at least this similar...
const OVERLAP_MIN: f32 = 0.6;
/// ...and no more than this less similar than the best.
const OVERLAP_MARGIN: f32 = 0.05;
/// A piece of a stretch of speech shorter than this, at its edge, is not a turn of its own.
const MIN_PIECE: Ms = Ms(400);
/// A turn change is moved to a gap between words at most this far away.
const SNAP: Ms = Ms(600);

/// One window of speech and its embedding.
#[derive(Debug, Clone)]
pub struct Window {
    /// Where it is on the session clock (clipped to its stretch of speech).
    pub span: Span,
    /// Its normalised embedding.
    pub embedding: Vec<f32>,
    /// The block of speech it is in (stretches of voice with short silences between).
    pub region: usize,
}

/// A stretch of one voice.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// When.
    pub span: Span,
    /// Which voice (index into the centres).
    pub voice: usize,
    /// Another voice heard at the same time, if any.
    pub overlap: Option<usize>,
}

/// The turns of `regions` from their windows and the voices' centres.
pub fn turns(regions: &[Span], windows: &[Window], centres: &[Vec<f32>]) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    let mut from = 0;
    for (r, region) in regions.iter().enumerate() {
        let to = from + windows[from..].iter().take_while(|w| w.region == r).count();
        let path = viterbi(&windows[from..to], centres);
        let mut start = region.start;
        for (i, window) in windows[from..to].iter().enumerate() {
            let last = i + 1 == to - from;
            let change = !last && path[i + 1] != path[i];
            if last || change {
                let end =
                    if last { region.end } else { Ms((window.span.end.0 + windows[from + i + 1].span.start.0) / 2) };
                let end = end.clamp(start, region.end);
                turns.push(Turn { span: Span { start, end }, voice: path[i], overlap: None });
                start = end;
            }
            if let Some(other) = overlap(&window.embedding, centres, path[i])
                && let Some(turn) = turns.last_mut().filter(|t| t.span.end > window.span.start)
            {
                turn.overlap = turn.overlap.or(Some(other));
            }
        }
        if to == from {
            turns.push(Turn { span: *region, voice: 0, overlap: None });
        }
        from = to;
    }
    turns.retain(|t| t.span.end > t.span.start);
    turns
}

/// The turns of `blocks` cut to `regions` (the stretches of speech inside the blocks): each
/// region takes the voices of the block turns over it; a piece shorter than [`MIN_PIECE`] at a
/// region's edge goes to its neighbour in the region (a turn change found by windows of most of
/// a second falls near, not on, the silence where it happened); a change of voice inside a
/// region marks the second voice's turn as overlapping the first's.
pub fn within(block_turns: &[Turn], regions: &[Span]) -> Vec<Turn> {
    let mut out: Vec<Turn> = Vec::new();
    for region in regions {
        let mut pieces: Vec<Turn> = block_turns
            .iter()
            .filter(|t| t.span.start < region.end && region.start < t.span.end)
            .map(|t| Turn {
                span: Span { start: t.span.start.max(region.start), end: t.span.end.min(region.end) },
                ..t.clone()
            })
            .collect();
        if pieces.is_empty() {
            pieces.push(Turn { span: *region, voice: 0, overlap: None });
        }
        while pieces.len() > 1 && pieces[0].span.len() < MIN_PIECE {
            let first = pieces.remove(0);
            pieces[0].span.start = first.span.start;
        }
        while pieces.len() > 1 && pieces[pieces.len() - 1].span.len() < MIN_PIECE {
            let last = pieces.pop().map_or(region.end, |p| p.span.end);
            if let Some(prev) = pieces.last_mut() {
                prev.span.end = last;
            }
        }
        // One voice taking over from another with no silence between them: they overlapped
        // (people rarely latch on without the shortest pause), so the second is marked.
        for i in 1..pieces.len() {
            if pieces[i].voice != pieces[i - 1].voice {
                pieces[i].overlap = pieces[i].overlap.or(Some(pieces[i - 1].voice));
            }
        }
        out.extend(pieces);
    }
    out
}

/// The best voice for each window: highest total similarity less [`SWITCH_COST`] per change.
fn viterbi(windows: &[Window], centres: &[Vec<f32>]) -> Vec<usize> {
    let k = centres.len().max(1);
    if windows.is_empty() || centres.is_empty() {
        return vec![0; windows.len()];
    }
    let mut score: Vec<f32> = centres.iter().map(|c| cosine(&windows[0].embedding, c)).collect();
    let mut back: Vec<Vec<usize>> = Vec::with_capacity(windows.len());
    for window in &windows[1..] {
        let (best_prev, best_score) =
            score.iter().copied().enumerate().fold((0, f32::NEG_INFINITY), |b, n| if n.1 > b.1 { n } else { b });
        let mut next = vec![0.0; k];
        let mut from = vec![0; k];
        for v in 0..k {
            let (stay, switch) = (score[v], best_score - SWITCH_COST);
            let (prev, s) = if stay >= switch { (v, stay) } else { (best_prev, switch) };
            next[v] = s + cosine(&window.embedding, &centres[v]);
            from[v] = prev;
        }
        back.push(from);
        score = next;
    }
    let mut v = best_centre_of(&score);
    let mut path = vec![v; windows.len()];
    for (i, from) in back.iter().enumerate().rev() {
        v = from[v];
        path[i] = v;
    }
    path
}

fn best_centre_of(scores: &[f32]) -> usize {
    scores.iter().copied().enumerate().fold((0, f32::NEG_INFINITY), |b, n| if n.1 > b.1 { n } else { b }).0
}

/// The second voice heard in a window given to `voice`, if it sounds like two at once.
fn overlap(embedding: &[f32], centres: &[Vec<f32>], voice: usize) -> Option<usize> {
    let best = cosine(embedding, &centres[voice]);
    let (other, similarity) = centres
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != voice)
        .map(|(i, c)| (i, cosine(embedding, c)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (similarity >= OVERLAP_MIN && best - similarity <= OVERLAP_MARGIN).then_some(other)
}

/// Moves each change of voice that falls inside one of `words` (sorted spans) to the nearest
/// gap between words within [`SNAP`], so no word is cut in two.
pub fn snap_to_words(turns: &mut [Turn], words: &[Span]) {
    for i in 1..turns.len() {
        let boundary = turns[i].span.start;
        let in_a_word = words.iter().any(|w| w.start < boundary && boundary < w.end);
        if turns[i - 1].span.end != boundary || !in_a_word {
            continue;
        }
        let gaps = words.windows(2).map(|w| Ms((w[0].end.0 + w[1].start.0) / 2));
        let Some(gap) = gaps.min_by_key(|g| g.0.abs_diff(boundary.0)).filter(|g| g.0.abs_diff(boundary.0) <= SNAP.0)
        else {
            continue;
        };
        let gap = gap.clamp(turns[i - 1].span.start, turns[i].span.end);
        turns[i - 1].span.end = gap;
        turns[i].span.start = gap;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Voice `i`'s embedding: like real ones, two voices are far from orthogonal (cosine 0.59).
    fn axis(i: usize) -> Vec<f32> {
        let mut v = vec![0.0; 4];
        v[i] = 1.0;
        v[3] = 1.2;
        crate::diarize::embedder::normalised(&v)
    }

    fn windows(voices: &[usize], region: usize, start: u64) -> Vec<Window> {
        voices
            .iter()
            .enumerate()
            .map(|(i, &v)| Window {
                span: Span::ms(start + 800 * i as u64, start + 800 * i as u64 + 822),
                embedding: axis(v),
                region,
            })
            .collect()
    }

    #[test]
    fn a_stretch_changes_voice_once_and_one_odd_window_does_not_cut_a_turn() {
        let centres = vec![axis(0), axis(1)];
        let regions = [Span::ms(0, 6_422), Span::ms(8_000, 9_000)];
        let mut all = windows(&[0, 0, 0, 1, 0, 0, 1, 1], 0, 0);
        all.extend(windows(&[1], 1, 8_000));
        let turns = turns(&regions, &all, &centres);
        let got: Vec<(u64, u64, usize)> = turns.iter().map(|t| (t.span.start.0, t.span.end.0, t.voice)).collect();
        assert_eq!(got, [(0, 4_811, 0), (4_811, 6_422, 1), (8_000, 9_000, 1)]);
    }

    #[test]
    fn block_turns_are_cut_to_the_stretches_of_speech_and_slivers_go_to_a_neighbour() {
        let block = [
            Turn { span: Span::ms(0, 2_900), voice: 0, overlap: None },
            Turn { span: Span::ms(2_900, 6_000), voice: 1, overlap: None },
        ];
        // Stretches: 0-1.2 s, 1.5-3.0 s (the change at 2.9 s leaves a 0.1 s sliver), 3.3-6 s.
        let regions = [Span::ms(0, 1_200), Span::ms(1_500, 3_000), Span::ms(3_300, 6_000)];
        let got: Vec<(u64, u64, usize)> =
            within(&block, &regions).iter().map(|t| (t.span.start.0, t.span.end.0, t.voice)).collect();
        assert_eq!(got, [(0, 1_200, 0), (1_500, 3_000, 0), (3_300, 6_000, 1)]);
        assert!(within(&block, &regions).iter().all(|t| t.overlap.is_none()), "a silence separates them");
        // One stretch, two voices: the second took over without a pause, talking over the first.
        let one = within(&block, &[Span::ms(0, 6_000)]);
        let got: Vec<(u64, u64, usize, Option<usize>)> =
            one.iter().map(|t| (t.span.start.0, t.span.end.0, t.voice, t.overlap)).collect();
        assert_eq!(got, [(0, 2_900, 0, None), (2_900, 6_000, 1, Some(0))]);
    }

    #[test]
    fn a_change_of_voice_moves_into_the_gap_between_words() {
        let mut turns = vec![
            Turn { span: Span::ms(0, 4_811), voice: 0, overlap: None },
            Turn { span: Span::ms(4_811, 6_422), voice: 1, overlap: None },
        ];
        let words = [Span::ms(3_900, 4_300), Span::ms(4_500, 5_000), Span::ms(5_400, 5_900)];
        snap_to_words(&mut turns, &words);
        assert_eq!(turns[0].span, Span::ms(0, 5_200));
        assert_eq!(turns[1].span, Span::ms(5_200, 6_422));
    }
}
