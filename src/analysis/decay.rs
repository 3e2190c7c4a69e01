//! Reverberation: how fast sound dies away in the room, and how loud its tail still is.
//!
//! In a reverberant room a word does not stop: after the voice ends, its echo decays at the
//! room's rate, a steady slope in dB, from a little under the voice's level. Measured against
//! the noise floor, that tail is sound, so every pause would start a few hundred ms late. The
//! room's rate shows in the recording itself: a voice can fall as fast as it likes, but once
//! it has fallen a few dB, the rest of every fall is the room's decay, and no fall is slower
//! than the voice's own fades, so the common fast falls give it. With it, each moment's
//! expected tail is the loudest recent frame decayed at that rate; a frame that is not above
//! its expected tail is echo, not voice.

/// A local peak must stand this far above the floor for its fall to be measured (dB): far
/// enough that the fall ends well above the noise, which would flatten it.
const PEAK_ABOVE_FLOOR_DB: f32 = 35.0;
/// The fall is measured from this far under the peak, past the voice's own fast drop (dB)...
const FALL_FROM_DB: f32 = 8.0;
/// ...to this far under it.
const FALL_TO_DB: f32 = 25.0;
/// Longest fall followed (frames of 10 ms): 1 s.
const MAX_FALL_FRAMES: usize = 100;
/// Falls needed before the room's rate is trusted; with fewer it is taken as dry.
const MIN_FALLS: usize = 20;
/// The room's rate is this quantile of the measured rates: the faster falls, since a fall can
/// be slower than the room (a fading voice) but hardly faster.
const RATE_QUANTILE: f32 = 0.75;
/// How far back a tail is traced (frames of 10 ms): 0.5 s.
const TAIL_FRAMES: usize = 50;
/// A tail sits at least this far under the sound it echoes (dB): the voice's direct sound
/// is louder than its reflections.
const TAIL_MARGIN_DB: f32 = 3.0;

/// The decay rate of the room, in dB per 10 ms frame; `None` for a dry room (or too few
/// falls to tell), where sound ends where it sinks into the floor.
pub(crate) fn room_rate(smoothed: &[f32], floor: impl Fn(usize) -> f32) -> Option<f32> {
    let mut rates = Vec::new();
    for t in 1..smoothed.len().saturating_sub(1) {
        let peak = smoothed[t];
        if peak < smoothed[t - 1] || peak <= smoothed[t + 1] || peak <= floor(t) + PEAK_ABOVE_FLOOR_DB {
            continue;
        }
        if let Some(rate) = fall_rate(&smoothed[t..]) {
            rates.push(rate);
        }
    }
    if rates.len() < MIN_FALLS {
        return None;
    }
    let k = ((rates.len() - 1) as f32 * RATE_QUANTILE).round() as usize;
    Some(*rates.select_nth_unstable_by(k, f32::total_cmp).1)
}

/// The slope (dB per frame, positive) of a least-squares line through the fall after the peak
/// at `after[0]`, from [`FALL_FROM_DB`] to [`FALL_TO_DB`] under it; none if the sound rises
/// again first, or the fall has fewer than three frames to fit.
fn fall_rate(after: &[f32]) -> Option<f32> {
    let peak = after[0];
    let (mut n, mut sum_k, mut sum_y, mut sum_ky, mut sum_kk) = (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for (k, &y) in after.iter().enumerate().take(MAX_FALL_FRAMES).skip(1) {
        if y > peak {
            return None;
        }
        if y < peak - FALL_FROM_DB {
            let k = k as f32;
            n += 1.0;
            sum_k += k;
            sum_y += y;
            sum_ky += k * y;
            sum_kk += k * k;
        }
        if y < peak - FALL_TO_DB {
            let denominator = n * sum_kk - sum_k * sum_k;
            return (n >= 3.0 && denominator > 0.0).then(|| -(n * sum_ky - sum_k * sum_y) / denominator);
        }
    }
    None
}

/// The level (dB) the room's echo of the frames before `i` still has at frame `i`: the
/// loudest of the last [`TAIL_FRAMES`] decayed at `rate` per frame, less [`TAIL_MARGIN_DB`].
pub(crate) fn tail_db(smoothed: &[f32], i: usize, rate: f32) -> f32 {
    let mut tail = f32::NEG_INFINITY;
    for k in 1..=TAIL_FRAMES.min(i) {
        tail = tail.max(smoothed[i - k] - k as f32 * rate);
    }
    tail - TAIL_MARGIN_DB
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words of 300 ms at -20 dB every second over a -70 dB floor; after each word the level
    /// drops `drop_db` at once, then decays `rate` dB per frame (none: straight to the floor).
    fn words(rate: Option<f32>, drop_db: f32) -> Vec<f32> {
        (0..6000)
            .map(|i| {
                let jitter = ((i * 7919) % 13) as f32 / 13.0 - 0.5;
                let into = i % 100;
                let level = match (into, rate) {
                    (0..30, _) => -20.0 + 2.0 * jitter,
                    (_, Some(rate)) => -20.0 - drop_db - rate * (into - 30) as f32,
                    (_, None) => -70.0,
                };
                level.max(-70.0 + jitter)
            })
            .collect()
    }

    #[test]
    fn the_rate_of_a_reverberant_room_is_measured_and_a_dry_room_has_none() {
        let measured = room_rate(&words(Some(1.2), 6.0), |_| -70.0).expect("a reverberant room");
        assert!((measured - 1.2).abs() < 0.15, "measured {measured} dB per frame");
        assert_eq!(room_rate(&words(None, 0.0), |_| -70.0), None);
    }

    #[test]
    fn a_tail_follows_the_loudest_recent_frame() {
        let frames = [-20.0, -30.0, -35.0, -40.0];
        // From the -20 dB frame three frames back: -20 - 3 x 1 - margin.
        assert_eq!(tail_db(&frames, 3, 1.0), -23.0 - TAIL_MARGIN_DB);
        assert_eq!(tail_db(&frames, 0, 1.0), f32::NEG_INFINITY);
    }
}
