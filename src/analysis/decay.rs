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
//!
//! A truly reverberant room (one that takes more than a quarter second to die away) is
//! modelled more closely: its echo is the sum of every earlier frame's direct sound, decayed
//! at the room's rate from a gain read from the falls too, and taken away from each frame's
//! energy ([`Reverb::split`]). A level alone cannot do it there: after a loud syllable the
//! echo stays above a soft next word for half a second, and after the last word it stays above
//! the floor for as long.

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

/// A room slower to decay than this (dB per 10 ms frame: 60 dB in a quarter second) is
/// reverberant, and its echo is taken away frame by frame; in a faster one the tail rule does.
const REVERBERANT_RATE: f32 = 2.5;
/// The echo's gain is this quantile of the gains measured on the falls.
const GAIN_QUANTILE: f32 = 0.5;
/// What is left of a frame once its echo is taken away is never less than this far under the
/// frame (dB), so it stays a finite level.
const DIRECT_FLOOR_DB: f32 = 30.0;

/// One measured fall after a loud peak.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fall {
    /// The peak's frame.
    peak: usize,
    /// The frames fitted, from [`FALL_FROM_DB`] to [`FALL_TO_DB`] under the peak.
    fitted: (usize, usize),
    /// The fitted slope, in dB per frame (positive).
    rate: f32,
}

/// The falls after loud peaks.
pub(crate) fn falls(smoothed: &[f32], floor: impl Fn(usize) -> f32) -> Vec<Fall> {
    let mut falls = Vec::new();
    for t in 1..smoothed.len().saturating_sub(1) {
        let peak = smoothed[t];
        if peak < smoothed[t - 1] || peak <= smoothed[t + 1] || peak <= floor(t) + PEAK_ABOVE_FLOOR_DB {
            continue;
        }
        if let Some((rate, first, last)) = fall_rate(&smoothed[t..]) {
            falls.push(Fall { peak: t, fitted: (t + first, t + last), rate });
        }
    }
    falls
}

/// The decay rate of the room, in dB per 10 ms frame, from its [`falls`]; `None` for a dry
/// room (or too few falls to tell), where sound ends where it sinks into the floor.
pub(crate) fn room_rate(falls: &[Fall]) -> Option<f32> {
    let mut rates: Vec<f32> = falls.iter().map(|fall| fall.rate).collect();
    quantile(&mut rates, RATE_QUANTILE)
}

/// The `p` quantile of `values`, if there are enough to trust ([`MIN_FALLS`]).
fn quantile(values: &mut [f32], p: f32) -> Option<f32> {
    if values.len() < MIN_FALLS {
        return None;
    }
    let k = ((values.len() - 1) as f32 * p).round() as usize;
    Some(*values.select_nth_unstable_by(k, f32::total_cmp).1)
}

/// A reverberant room's echo: each frame's direct sound comes back `gain` times as strong one
/// frame later, and then decays by `rate` dB per frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reverb {
    /// Decay in dB per 10 ms frame.
    rate: f32,
    /// The echo one frame later, as a share of the direct sound's power.
    gain: f32,
}

impl Reverb {
    /// The room's echo, if the room is reverberant: its rate is slower than
    /// [`REVERBERANT_RATE`], and its gain is read on the same falls, as the share of each
    /// falling frame's power that the sum of the frames before it, decayed at that rate, makes.
    pub(crate) fn measure(smoothed: &[f32], falls: &[Fall], rate: f32) -> Option<Reverb> {
        if rate >= REVERBERANT_RATE {
            return None;
        }
        let decay = power(-rate);
        // What the echo would be with a gain of one, from the whole sound so far.
        let mut unit_echo = vec![0.0f32; smoothed.len()];
        for t in 1..smoothed.len() {
            unit_echo[t] = decay * unit_echo[t - 1] + power(smoothed[t - 1]);
        }
        let mut gains = Vec::new();
        for fall in falls {
            let peak = smoothed[fall.peak];
            for t in fall.fitted.0..=fall.fitted.1 {
                if smoothed[t] < peak - FALL_FROM_DB && unit_echo[t] > 0.0 {
                    gains.push(power(smoothed[t]) / unit_echo[t]);
                }
            }
        }
        let gain = quantile(&mut gains, GAIN_QUANTILE)?;
        Some(Reverb { rate, gain })
    }

    /// Splits every frame (dB) into its direct sound and the echo of the direct sound before
    /// it, both in dB.
    pub(crate) fn split(&self, smoothed: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let decay = power(-self.rate);
        let (mut direct, mut echo) = (Vec::with_capacity(smoothed.len()), Vec::with_capacity(smoothed.len()));
        let (mut echo_now, mut direct_before) = (0.0f32, 0.0f32);
        for &e in smoothed {
            echo_now = decay * echo_now + self.gain * direct_before;
            let total = power(e);
            let direct_now = (total - echo_now).max(total * power(-DIRECT_FLOOR_DB));
            direct.push(decibels(direct_now));
            echo.push(decibels(echo_now));
            direct_before = direct_now;
        }
        (direct, echo)
    }
}

/// dB to power.
fn power(db: f32) -> f32 {
    10f32.powf(db / 10.0)
}

/// Power to dB, with silence at [`super::energy::SILENT_DB`].
fn decibels(power: f32) -> f32 {
    if power > 0.0 { (10.0 * power.log10()).max(super::energy::SILENT_DB) } else { super::energy::SILENT_DB }
}

/// The slope (dB per frame, positive) of a least-squares line through the fall after the peak
/// at `after[0]`, from [`FALL_FROM_DB`] to [`FALL_TO_DB`] under it, with the first and last
/// frame fitted (offsets from the peak); none if the sound rises again first, or the fall has
/// fewer than three frames to fit.
fn fall_rate(after: &[f32]) -> Option<(f32, usize, usize)> {
    let peak = after[0];
    let (mut n, mut sum_k, mut sum_y, mut sum_ky, mut sum_kk) = (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let mut first = None;
    for (k, &y) in after.iter().enumerate().take(MAX_FALL_FRAMES).skip(1) {
        if y > peak {
            return None;
        }
        if y < peak - FALL_FROM_DB {
            first.get_or_insert(k);
            let k = k as f32;
            n += 1.0;
            sum_k += k;
            sum_y += y;
            sum_ky += k * y;
            sum_kk += k * k;
        }
        if y < peak - FALL_TO_DB {
            let denominator = n * sum_kk - sum_k * sum_k;
            let rate = -(n * sum_ky - sum_k * sum_y) / denominator;
            return (n >= 3.0 && denominator > 0.0).then_some((rate, first.unwrap_or(k), k));
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
        let measured = room_rate(&falls(&words(Some(1.2), 6.0), |_| -70.0)).expect("a reverberant room");
        assert!((measured - 1.2).abs() < 0.15, "measured {measured} dB per frame");
        assert_eq!(room_rate(&falls(&words(None, 0.0), |_| -70.0)), None);
    }

    #[test]
    fn a_reverberant_rooms_echo_is_measured_and_taken_away_leaving_a_soft_word() {
        // Direct sound: loud words of 300 ms every 1.5 s, each followed 100 ms later by a soft
        // 200 ms word 18 dB under it; through a room whose echo comes back at 0.02 of the
        // power a frame later and decays 0.5 dB per frame; over a -70 dB floor.
        let (rate, gain) = (0.5f32, 0.02f32);
        let direct: Vec<f32> = (0..9000)
            .map(|i| match i % 150 {
                0..30 => -20.0 + ((i * 7919) % 13) as f32 / 13.0,
                40..60 => -38.0,
                _ => -140.0,
            })
            .collect();
        let (mut echo, mut total) = (0.0f32, Vec::with_capacity(direct.len()));
        for (i, &d) in direct.iter().enumerate() {
            if i > 0 {
                echo = power(-rate) * echo + gain * power(direct[i - 1]);
            }
            total.push(decibels(power(d) + echo + power(-70.0)));
        }
        let falls = falls(&total, |_| -70.0);
        let measured = room_rate(&falls).expect("a reverberant room");
        let reverb = Reverb::measure(&total, &falls, measured).expect("slower than a quarter second");
        assert!((reverb.rate - rate).abs() < 0.2, "{reverb:?}");
        assert!(reverb.gain > gain / 3.0 && reverb.gain < gain * 3.0, "{reverb:?}");
        let (voice, echo) = reverb.split(&total);
        // The soft word stands over the echo, and the silence after it does not.
        let soft = 150 * 30 + 50;
        assert!(voice[soft] > echo[soft], "soft word {} dB under an echo of {} dB", voice[soft], echo[soft]);
        let after = 150 * 30 + 75;
        assert!(voice[after] < echo[after] - 3.0, "silence at {} dB, echo {} dB", voice[after], echo[after]);
        // A room that dies away fast has no model: the tail rule does there.
        assert_eq!(Reverb::measure(&total, &falls, 3.0), None);
    }

    #[test]
    fn a_tail_follows_the_loudest_recent_frame() {
        let frames = [-20.0, -30.0, -35.0, -40.0];
        // From the -20 dB frame three frames back: -20 - 3 x 1 - margin.
        assert_eq!(tail_db(&frames, 3, 1.0), -23.0 - TAIL_MARGIN_DB);
        assert_eq!(tail_db(&frames, 0, 1.0), f32::NEG_INFINITY);
    }
}
