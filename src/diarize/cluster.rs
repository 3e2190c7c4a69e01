//! Telling voices apart: chunks of speech grouped into a known number of voices, with what the
//! interviewer told us (live speaker keys) as hard constraints.
//!
//! Chunks (a few seconds of one stretch of voice) are grouped bottom-up by average cosine
//! similarity, the standard agglomerative clustering of speaker diarization. Two chunks the
//! interviewer labelled with the same key start in one group; two labelled with different keys
//! never meet. Groups too small to be a voice of their own (a cough, a backchannel heard badly)
//! do not count towards the number of voices, and join the nearest voice at the end. The voices'
//! centres are then refined by a few rounds of nearest-centre assignment (spherical k-means).

use super::embedder::{cosine, mean};

/// A piece of speech to group: its embedding, how long it is, and the label a live key gave it.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// Normalised embedding.
    pub embedding: Vec<f32>,
    /// How much speech it holds, ms (its weight).
    pub weight: u64,
    /// The anchor label the live keys gave it, if any (same label, same voice).
    pub anchor: Option<u32>,
}

/// A group that holds less than this share of all speech is not a voice of its own while
/// grouping (a focus-group member who says one sentence in an hour is still counted: the
/// share is small, so the rule matters only for stray chunks).
const MIN_SHARE: f64 = 0.01;
/// Rounds of nearest-centre refinement.
const REFINE_ROUNDS: usize = 5;

/// Groups `chunks` into `count` voices; returns each chunk's voice (0..count, numbered by first
/// appearance) and each voice's centre. Fewer voices come back when there are fewer chunks.
pub fn cluster(chunks: &[Chunk], count: usize) -> (Vec<usize>, Vec<Vec<f32>>) {
    if chunks.is_empty() || count == 0 {
        return (Vec::new(), Vec::new());
    }
    let total: u64 = chunks.iter().map(|c| c.weight).sum();
    let min_weight = (total as f64 * MIN_SHARE) as u64;
    let mut groups = initial_groups(chunks);
    let n = groups.len();
    // Average linkage on a full similarity matrix (chunks number about 1 500 an hour).
    let mut sim = vec![0f32; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let s = group_similarity(&groups[i], &groups[j], chunks);
            sim[i * n + j] = s;
            sim[j * n + i] = s;
        }
    }
    let mut alive: Vec<bool> = vec![true; n];
    // Each group's most similar partner it may merge with: a merge changes only the rows that
    // pointed at the merged groups, so an hour (a few thousand chunks) merges in O(n²).
    let mut best: Vec<Option<(usize, f32)>> = (0..n).map(|i| row_best(i, &sim, &alive, &groups, n)).collect();
    let big = |g: &Group| g.weight >= min_weight.max(1);
    let mut alive_count = n;
    while alive_count > count {
        let pick = |only_small: bool| {
            (0..n)
                .filter(|&i| alive[i] && (!only_small || !big(&groups[i])))
                .filter_map(|i| best[i].map(|(j, s)| (i, j, s)))
                .max_by(|x, y| x.2.total_cmp(&y.2))
        };
        let Some(mut pair) = pick(false) else { break };
        // Two big groups merge only while there are more big groups than voices: otherwise a
        // stray chunk or two would take the place of a voice.
        let bigs = (0..n).filter(|&g| alive[g] && big(&groups[g])).count();
        if big(&groups[pair.0]) && big(&groups[pair.1]) && bigs <= count {
            match pick(true) {
                Some(small) => pair = small,
                None => break,
            }
        }
        let (a, b) = (pair.0, pair.1);
        // Merge b into a; average linkage by the Lance-Williams update.
        let (size_a, size_b) = (groups[a].members.len() as f32, groups[b].members.len() as f32);
        for k in 0..n {
            if alive[k] && k != a && k != b {
                let s = (size_a * sim[a * n + k] + size_b * sim[b * n + k]) / (size_a + size_b);
                sim[a * n + k] = s;
                sim[k * n + a] = s;
            }
        }
        let moved = std::mem::take(&mut groups[b].members);
        groups[a].members.extend(moved);
        groups[a].weight += groups[b].weight;
        groups[a].anchor = groups[a].anchor.or(groups[b].anchor);
        alive[b] = false;
        alive_count -= 1;
        best[b] = None;
        for k in 0..n {
            if !alive[k] {
                continue;
            }
            let stale = k == a || best[k].is_some_and(|(j, _)| j == a || j == b);
            if stale {
                best[k] = row_best(k, &sim, &alive, &groups, n);
            } else if may_merge(&groups[k], &groups[a]) && best[k].is_none_or(|(_, s)| sim[k * n + a] > s) {
                best[k] = Some((a, sim[k * n + a]));
            }
        }
    }
    let voices: Vec<usize> = (0..n).filter(|&g| alive[g]).collect();
    let mut centres: Vec<Vec<f32>> = voices.iter().map(|&g| centre(&groups[g].members, chunks)).collect();
    let mut fixed: Vec<Option<usize>> = vec![None; chunks.len()];
    for (v, &g) in voices.iter().enumerate() {
        if groups[g].anchor.is_some() {
            for &m in &groups[g].members {
                if chunks[m].anchor.is_some() {
                    fixed[m] = Some(v);
                }
            }
        }
    }
    let mut labels = nearest(chunks, &centres, &fixed);
    for _ in 0..REFINE_ROUNDS {
        centres = (0..centres.len())
            .map(|v| {
                let members: Vec<usize> = (0..chunks.len()).filter(|&c| labels[c] == v).collect();
                if members.is_empty() { centres[v].clone() } else { centre(&members, chunks) }
            })
            .collect();
        let next = nearest(chunks, &centres, &fixed);
        if next == labels {
            break;
        }
        labels = next;
    }
    renumber(labels, centres)
}

/// A group of chunks being built.
struct Group {
    members: Vec<usize>,
    weight: u64,
    anchor: Option<u32>,
}

/// One group per chunk, except that chunks with the same anchor label start as one group.
fn initial_groups(chunks: &[Chunk]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        if let Some(label) = chunk.anchor
            && let Some(group) = groups.iter_mut().find(|g| g.anchor == Some(label))
        {
            group.members.push(i);
            group.weight += chunk.weight;
            continue;
        }
        groups.push(Group { members: vec![i], weight: chunk.weight, anchor: chunk.anchor });
    }
    groups
}

fn group_similarity(a: &Group, b: &Group, chunks: &[Chunk]) -> f32 {
    let mut sum = 0.0;
    for &i in &a.members {
        for &j in &b.members {
            sum += cosine(&chunks[i].embedding, &chunks[j].embedding);
        }
    }
    sum / (a.members.len() * b.members.len()) as f32
}

/// Whether two groups may become one: not if live keys named them differently.
fn may_merge(a: &Group, b: &Group) -> bool {
    !matches!((a.anchor, b.anchor), (Some(x), Some(y)) if x != y)
}

/// The live group most similar to group `i` that it may merge with.
fn row_best(i: usize, sim: &[f32], alive: &[bool], groups: &[Group], n: usize) -> Option<(usize, f32)> {
    (0..n)
        .filter(|&j| j != i && alive[j] && may_merge(&groups[i], &groups[j]))
        .map(|j| (j, sim[i * n + j]))
        .max_by(|x, y| x.1.total_cmp(&y.1))
}

/// The normalised mean embedding of `members`, weighted by nothing (each chunk one vote).
fn centre(members: &[usize], chunks: &[Chunk]) -> Vec<f32> {
    let vectors: Vec<&[f32]> = members.iter().map(|&m| chunks[m].embedding.as_slice()).collect();
    mean(&vectors)
}

/// Each chunk's nearest centre, or the voice its anchor fixes.
fn nearest(chunks: &[Chunk], centres: &[Vec<f32>], fixed: &[Option<usize>]) -> Vec<usize> {
    chunks
        .iter()
        .zip(fixed)
        .map(|(chunk, fixed)| fixed.unwrap_or_else(|| best_centre(&chunk.embedding, centres).0))
        .collect()
}

/// The centre most similar to `embedding`, and the similarity.
fn best_centre(embedding: &[f32], centres: &[Vec<f32>]) -> (usize, f32) {
    centres
        .iter()
        .enumerate()
        .map(|(i, c)| (i, cosine(embedding, c)))
        .fold((0, f32::NEG_INFINITY), |best, next| if next.1 > best.1 { next } else { best })
}

/// Voices numbered by first appearance, unused ones dropped.
fn renumber(labels: Vec<usize>, centres: Vec<Vec<f32>>) -> (Vec<usize>, Vec<Vec<f32>>) {
    let mut order: Vec<usize> = Vec::new();
    for &l in &labels {
        if !order.contains(&l) {
            order.push(l);
        }
    }
    let labels = labels.iter().map(|l| order.iter().position(|o| o == l).unwrap_or(0)).collect();
    let centres = order.iter().map(|&o| centres[o].clone()).collect();
    (labels, centres)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diarize::embedder::normalised;

    /// A chunk near axis `voice` of 8 dimensions, nudged by `noise` along axis `voice + 4`.
    fn chunk(voice: usize, noise: f32, anchor: Option<u32>) -> Chunk {
        let mut v = vec![0.0; 8];
        v[voice] = 1.0;
        v[(voice + 4) % 8] = noise;
        Chunk { embedding: normalised(&v), weight: 2_000, anchor }
    }

    #[test]
    fn three_voices_are_found_and_numbered_by_first_appearance() {
        let chunks: Vec<Chunk> = [2, 0, 1, 0, 2, 1, 1, 0, 2]
            .iter()
            .enumerate()
            .map(|(i, &v)| chunk(v, 0.1 * (i % 3) as f32, None))
            .collect();
        let (labels, centres) = cluster(&chunks, 3);
        assert_eq!(labels, [0, 1, 2, 1, 0, 2, 2, 1, 0]);
        assert_eq!(centres.len(), 3);
    }

    #[test]
    fn different_keys_never_share_a_voice_and_the_same_key_always_does() {
        // Two chunks of one voice that the interviewer said are two people (keys 1 and 2), and
        // two far-apart chunks that they said are one (key 3).
        let chunks =
            vec![chunk(0, 0.0, Some(1)), chunk(0, 0.05, Some(2)), chunk(1, 0.0, Some(3)), chunk(2, 0.0, Some(3))];
        let (labels, _) = cluster(&chunks, 2);
        assert_ne!(labels[0], labels[1]);
        assert_eq!(labels[2], labels[3]);
        assert_eq!(labels.iter().max(), Some(&2), "three keys make three voices even when asked for two");
    }

    #[test]
    fn a_stray_chunk_joins_the_nearest_voice_instead_of_taking_one() {
        let mut chunks: Vec<Chunk> = (0..20).map(|i| chunk(i % 2, 0.0, None)).collect();
        chunks.push(Chunk { weight: 100, ..chunk(3, 0.0, None) });
        let (labels, centres) = cluster(&chunks, 2);
        assert_eq!(centres.len(), 2);
        assert_eq!(&labels[..4], [0, 1, 0, 1]);
    }
}
