//! From frame energies to regions of sound, against a noise floor that follows the room.
//!
//! Nothing here is a fixed level: the floor is a low percentile of the energy around each
//! moment (±15 s), the speech level a high one, and the entry and exit thresholds sit a
//! fraction of the distance between them, so a quiet room and a noisy office need no tuning.
//! In a reverberant room both stay above the echo of what came before ([`super::decay`]).
//! Where other people talk (a café), the floor says little, and both follow the speakers' own
//! level instead ([`Background::Voices`]).

use std::ops::Range;

use super::decay;
use super::energy::{COMB_FRAMES, SILENT_DB};

/// Frames either side of a moment that set its floor and speech level (±15 s).
const WINDOW_FRAMES: usize = 1500;
/// The floor and level are recomputed every second and interpolated between.
const HOP_FRAMES: usize = 100;
/// Percentile taken as the noise floor.
const FLOOR_PERCENTILE: f32 = 0.05;
/// Percentile taken as the speech level.
const LEVEL_PERCENTILE: f32 = 0.95;
/// Shortest burst of sound kept (shorter ones are clicks): 40 ms.
const MIN_SOUND_FRAMES: usize = 4;
/// Sound starts above the floor plus this share of the floor-to-speech distance (5-15 dB).
const ENTER_SHARE: f32 = 0.35;
/// ...and ends below the floor plus this share (1.25-9 dB). Low, because in a noisy room the
/// soft ends of words sink into the noise first; a high exit level turns the short silences
/// inside words into false pauses.
const LEAVE_SHARE: f32 = 0.1;
/// How far an onset may be traced back below the entry level: 300 ms.
const MAX_WALK_BACK_FRAMES: usize = 30;
/// Below this distance between floor and speech level (dB) there is nothing to find.
const MIN_SPREAD_DB: f32 = 6.0;
/// Where other people talk, sound starts this far under the speech level (dB): their voices
/// sit 15-20 dB under the speakers', and only their peaks come closer...
const VOICES_ENTER_BELOW_LEVEL_DB: f32 = 10.0;
/// ...and ends this far under it, well over the floor: the floor lies in the gaps between the
/// other voices' words, and an exit level near it waits for one of those, while this one ends
/// sound at their first soft stretch.
const VOICES_LEAVE_BELOW_LEVEL_DB: f32 = 26.0;
/// Sound starts this far above the echo of what came before (dB) in a room that decays fast.
const ENTER_ABOVE_TAIL_DB: f32 = 3.0;
/// In a reverberant room, the voice (the echo taken away) starts once it is as loud as the
/// echo (dB above it)...
const ENTER_ABOVE_ECHO_DB: f32 = 0.0;
/// ...and ends once it is this far under it: the echo is a model, and near it the voice
/// left over is its error as much as speech.
const LEAVE_UNDER_ECHO_DB: f32 = 3.0;

/// What the detector takes the room's background to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Background {
    /// Noise, hum and echo: thresholds follow the floor, and a slow room's echo is modelled
    /// and taken away ([`decay::Reverb`]).
    Room,
    /// Other people talking (a café): thresholds follow the speakers' own level (see
    /// [`VOICES_ENTER_BELOW_LEVEL_DB`]), and slow falls are their voices, not an echo, so no
    /// echo rule applies.
    Voices,
}

/// The room as the detector saw it, and where it heard sound.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Detection {
    /// Regions of sound, as frame ranges.
    pub(crate) sound: Vec<Range<usize>>,
    /// The median noise floor in dB (band energy).
    pub(crate) floor_db: f32,
    /// The median speech level in dB (band energy).
    pub(crate) level_db: f32,
}

/// Finds the regions of sound in `frames_db` (one value per 10 ms frame).
///
/// Besides one floor and level per second it keeps a smoothed copy of the input (1.4 MB per
/// hour of audio), and in a reverberant room the voice and the echo as much again: memory
/// grows by a few times the input, never by the audio.
pub(crate) fn detect(frames_db: &[f32], background: Background) -> Detection {
    let smooth: Vec<f32> = (0..frames_db.len()).map(|i| smoothed(frames_db, i)).collect();
    let room = Room::measure(&smooth);
    // Where other people talk, their falls are not the room's: no echo rule at all.
    let (decay_rate, reverb) = match background {
        Background::Room => {
            let falls = decay::falls(&smooth, |i| room.at(i).floor);
            let decay_rate = decay::room_rate(&falls);
            (decay_rate, decay_rate.and_then(|rate| decay::Reverb::measure(&smooth, &falls, rate)))
        }
        Background::Voices => (None, None),
    };
    // In a reverberant room the voice is what is left once the echo is taken away.
    let split = reverb.map(|reverb| reverb.split(&smooth));
    let (voice, echo): (&[f32], Option<&[f32]>) = match &split {
        Some((direct, echo)) => (direct, Some(echo)),
        None => (&smooth, None),
    };
    let mut sound = Vec::new();
    let mut start: Option<usize> = None;
    let mut below = 0usize;
    for (i, &e) in voice.iter().enumerate() {
        let Some((mut enter, mut leave)) = room.thresholds(i, background) else {
            if let Some(s) = start.take() {
                sound.push(s..i - below);
            }
            below = 0;
            continue;
        };
        if let Some(echo) = echo {
            enter = enter.max(echo[i] + ENTER_ABOVE_ECHO_DB);
            leave = leave.max(echo[i] - LEAVE_UNDER_ECHO_DB);
        } else if let Some(rate) = decay_rate {
            let tail = decay::tail_db(&smooth, i, rate);
            enter = enter.max(tail + ENTER_ABOVE_TAIL_DB);
            leave = leave.max(tail);
        }
        match start {
            None if e > enter => {
                // Walk back to where the sound rose above the exit level: its true onset.
                let mut s = i;
                while s > 0 && voice[s - 1] > leave && i - s < MAX_WALK_BACK_FRAMES {
                    s -= 1;
                }
                let s = sound.last().map_or(s, |r: &Range<usize>| s.max(r.end));
                start = Some(s);
                below = 0;
            }
            Some(s) if e <= leave => {
                below += 1;
                // Three quiet frames end the sound; the end is the first of them.
                if below >= 3 {
                    sound.push(s..i + 1 - below);
                    start = None;
                    below = 0;
                }
            }
            Some(_) => below = 0,
            None => {}
        }
    }
    if let Some(s) = start {
        sound.push(s..frames_db.len() - below);
    }
    // The hum filter hears each sample again one mains period later, so every sound seems to
    // end that much late: its onset is exact, its end is moved back.
    for r in &mut sound {
        r.end = r.end.saturating_sub(COMB_FRAMES).max(r.start + 1);
    }
    // Smoothing widens a burst by a frame each side: judge its length on the raw energies, so
    // a 20 ms click does not pass for 40 ms of sound.
    let loud = |i: usize| room.thresholds(i, background).is_some_and(|(_, leave)| frames_db[i] > leave);
    sound.retain(|r| r.clone().filter(|&i| loud(i)).count() >= MIN_SOUND_FRAMES);
    let (floor_db, level_db) = room.medians();
    Detection { sound, floor_db, level_db }
}

/// A frame averaged with its neighbours, which steadies 10 ms noise frames.
fn smoothed(db: &[f32], i: usize) -> f32 {
    let lo = i.saturating_sub(1);
    let hi = (i + 2).min(db.len());
    db[lo..hi].iter().sum::<f32>() / (hi - lo) as f32
}

/// The room around one moment, in dB of band energy.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Levels {
    /// The noise floor: a low percentile.
    floor: f32,
    /// The speech level: a high percentile.
    level: f32,
}

impl Levels {
    /// Linear interpolation from `self` (t = 0) to `other` (t = 1).
    fn towards(self, other: Levels, t: f32) -> Levels {
        let mix = |a: f32, b: f32| a + t * (b - a);
        Levels { floor: mix(self.floor, other.floor), level: mix(self.level, other.level) }
    }
}

/// The room's levels once a second, from percentiles in a sliding window, interpolated in
/// between.
struct Room {
    /// The levels every [`HOP_FRAMES`] and at the last frame, with their frame.
    anchors: Vec<(usize, Levels)>,
    /// The speech level of the whole recording, for stretches where a few words are all there
    /// is within ±15 s: too little voice to lift the local percentile.
    overall_level: f32,
}

impl Room {
    /// Slides a quarter-dB histogram over the smoothed energies: an hour costs milliseconds.
    fn measure(smooth: &[f32]) -> Self {
        let mut histogram = Histogram::default();
        let mut overall = Histogram::default();
        for &e in smooth {
            overall.add(e, 1);
        }
        let mut anchors = Vec::with_capacity(smooth.len() / HOP_FRAMES + 2);
        let (mut lo, mut hi) = (0usize, 0usize);
        let mut centre = 0usize;
        while !smooth.is_empty() {
            let want_lo = centre.saturating_sub(WINDOW_FRAMES);
            let want_hi = (centre + WINDOW_FRAMES + 1).min(smooth.len());
            while hi < want_hi {
                histogram.add(smooth[hi], 1);
                hi += 1;
            }
            while lo < want_lo {
                histogram.add(smooth[lo], -1);
                lo += 1;
            }
            anchors.push((centre, histogram.levels()));
            if centre + 1 >= smooth.len() {
                break;
            }
            centre = (centre + HOP_FRAMES).min(smooth.len() - 1);
        }
        Self { anchors, overall_level: overall.quantile(LEVEL_PERCENTILE) }
    }

    /// The levels at frame `i`.
    fn at(&self, i: usize) -> Levels {
        let k = (i / HOP_FRAMES).min(self.anchors.len().saturating_sub(1));
        let silent = Levels { floor: SILENT_DB, level: SILENT_DB };
        let Some(&(a, here)) = self.anchors.get(k) else { return silent };
        let Some(&(b, next)) = self.anchors.get(k + 1) else { return here };
        here.towards(next, (i.saturating_sub(a)) as f32 / (b - a).max(1) as f32)
    }

    /// Entry and exit levels at frame `i`; none where floor and speech are too close to tell.
    fn thresholds(&self, i: usize, background: Background) -> Option<(f32, f32)> {
        let Levels { floor, mut level } = self.at(i);
        if level - floor < MIN_SPREAD_DB {
            level = level.max(self.overall_level);
        }
        let spread = level - floor;
        (spread >= MIN_SPREAD_DB).then(|| {
            let enter = floor + (ENTER_SHARE * spread).clamp(5.0, 15.0);
            let leave = floor + (LEAVE_SHARE * spread).clamp(1.25, 9.0);
            match background {
                Background::Room => (enter, leave),
                Background::Voices => {
                    (enter.max(level - VOICES_ENTER_BELOW_LEVEL_DB), leave.max(level - VOICES_LEAVE_BELOW_LEVEL_DB))
                }
            }
        })
    }

    /// Median floor and level over the recording.
    fn medians(&self) -> (f32, f32) {
        let mut floors: Vec<f32> = self.anchors.iter().map(|a| a.1.floor).collect();
        let mut levels: Vec<f32> = self.anchors.iter().map(|a| a.1.level).collect();
        (percentile(&mut floors, 0.5), percentile(&mut levels, 0.5))
    }
}

/// Bins per dB in the sliding histogram.
const BINS_PER_DB: f32 = 4.0;
/// Bins from [`SILENT_DB`] to 0 dBFS.
const BINS: usize = (-SILENT_DB * BINS_PER_DB) as usize + 1;

/// Counts of frame energies in quarter-dB bins; digital silence is left out, since a muted
/// input or padding says nothing about the room.
struct Histogram {
    counts: Vec<i64>,
    total: i64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self { counts: vec![0; BINS], total: 0 }
    }
}

impl Histogram {
    fn add(&mut self, db: f32, delta: i64) {
        if db <= SILENT_DB + 1.0 {
            return;
        }
        let bin = (((db - SILENT_DB) * BINS_PER_DB) as usize).min(BINS - 1);
        self.counts[bin] += delta;
        self.total += delta;
    }

    /// The room's levels from this window's percentiles.
    fn levels(&self) -> Levels {
        Levels { floor: self.quantile(FLOOR_PERCENTILE), level: self.quantile(LEVEL_PERCENTILE) }
    }

    /// The `p` quantile, in dB; digital silence when empty.
    fn quantile(&self, p: f32) -> f32 {
        if self.total <= 0 {
            return SILENT_DB;
        }
        let target = ((self.total - 1) as f32 * p).round() as i64;
        let mut seen = 0;
        for (bin, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen > target {
                return SILENT_DB + (bin as f32 + 0.5) / BINS_PER_DB;
            }
        }
        0.0
    }
}

/// The `p` quantile of `values` (reordered in place); digital silence if there are none.
fn percentile(values: &mut [f32], p: f32) -> f32 {
    if values.is_empty() {
        return SILENT_DB;
    }
    let k = ((values.len() - 1) as f32 * p).round() as usize;
    *values.select_nth_unstable_by(k, f32::total_cmp).1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Noise-like frames at `floor` with sound at `level` in the given frame ranges.
    fn frames(len: usize, floor: f32, level: f32, sound: &[Range<usize>]) -> Vec<f32> {
        (0..len)
            .map(|i| {
                let jitter = ((i * 7919) % 13) as f32 / 13.0 - 0.5;
                if sound.iter().any(|r| r.contains(&i)) { level + 3.0 * jitter } else { floor + jitter }
            })
            .collect()
    }

    #[test]
    fn finds_sound_over_quiet_and_noisy_floors_alike() {
        let truth = [50..250, 300..520, 700..760, 1100..1400];
        for (floor, level) in [(-75.0, -30.0), (-45.0, -33.0)] {
            let found = detect(&frames(1500, floor, level, &truth), Background::Room);
            // Within a frame (10 ms) at each edge.
            assert_eq!(found.sound.len(), truth.len(), "floor {floor} dB, speech {level} dB: {:?}", found.sound);
            for (got, want) in found.sound.iter().zip(&truth) {
                assert!(got.start.abs_diff(want.start) <= 1 && got.end.abs_diff(want.end) <= 1, "{got:?} vs {want:?}");
            }
            assert!((found.floor_db - floor).abs() < 1.0);
        }
    }

    #[test]
    fn silence_and_steady_noise_have_no_sound() {
        assert!(detect(&vec![SILENT_DB; 3000], Background::Room).sound.is_empty());
        assert!(detect(&frames(3000, -50.0, -50.0, &[]), Background::Room).sound.is_empty());
        assert!(detect(&[], Background::Room).sound.is_empty());
    }

    #[test]
    fn a_short_answer_alone_in_a_long_silence_is_sound() {
        // 0.6 s of voice at 8 s, then nothing until talk from 30 s on.
        let truth = [800..860, 3000..3400, 3450..3900, 3950..5000];
        let found = detect(&frames(5000, -62.0, -22.0, &truth), Background::Room);
        assert_eq!(found.sound.len(), truth.len(), "{:?}", found.sound);
        assert!(found.sound[0].start.abs_diff(800) <= 1 && found.sound[0].end.abs_diff(860) <= 1);
    }

    #[test]
    fn clicks_are_not_sound() {
        let found = detect(&frames(1000, -70.0, -20.0, &[100..102, 500..700]), Background::Room);
        assert_eq!(found.sound.len(), 1, "{:?}", found.sound);
        assert!(found.sound[0].start.abs_diff(500) <= 1 && found.sound[0].end.abs_diff(700) <= 1);
    }

    #[test]
    fn other_voices_fill_the_floor_but_not_the_speakers_pauses() {
        // The next table talks 18 dB under the speakers, in 200 ms words with 100 ms gaps, all
        // the way through; the speakers pause for 1-2 s between their turns.
        let turns = [100..400, 550..900, 1100..1300, 1500..1900, 2050..2400];
        let mut db = frames(2500, -60.0, -20.0, &turns);
        for (i, e) in db.iter_mut().enumerate() {
            if i % 30 < 20 {
                *e = e.max(-38.0 + ((i * 31) % 7) as f32 / 7.0);
            }
        }
        // Heard against the floor, the other voices are sound in the speakers' pauses.
        let room = detect(&db, Background::Room);
        let in_pauses = room.sound.iter().filter(|r| turns.iter().all(|t| r.end <= t.start || r.start >= t.end));
        assert!(in_pauses.count() >= 10, "{:?}", room.sound);
        // Heard against the speakers' level, every turn stands alone. Its edges run on into
        // the other voices' words that touch it (up to 200 ms): their gaps, not the turn's own
        // edges, are where the level falls under the exit level.
        let voices = detect(&db, Background::Voices);
        assert_eq!(voices.sound.len(), turns.len(), "{:?}", voices.sound);
        for (got, want) in voices.sound.iter().zip(&turns) {
            assert!(got.start <= want.start + 1 && got.start + 20 >= want.start, "{got:?} vs {want:?}");
            assert!(got.end + 3 >= want.end && got.end <= want.end + 20, "{got:?} vs {want:?}");
        }
    }
}
