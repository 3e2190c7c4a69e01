//! The audio callbacks never allocate: every path through [`on_input`] (each sample type,
//! a full ring, a pause, an over-run being measured) and through the playback callback
//! [`on_output`] (each sample type, stale audio discarded, an empty ring) runs under
//! `assert_no_alloc`, which aborts the test on any allocation or deallocation on this thread.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::Ordering;

use assert_no_alloc::{AllocDisabler, assert_no_alloc};
use cpal::StreamInstant;
use verbatim::audio::capture::{CaptureStats, capture_ring};
use verbatim::audio::device::{CallbackState, on_input};
use verbatim::audio::output::{OutputShared, on_output};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

#[test]
fn the_data_callback_does_not_allocate_on_any_path() {
    let stats = Arc::new(CaptureStats::default());
    // 1 s ring at 4800 Hz mono: small enough to overflow below.
    let (sink, mut ring) = capture_ring(480, 1, stats.clone());
    let mut state = CallbackState::new(sink, 48_000);
    let floats = vec![0.25f32; 480];
    let ints = vec![-1200i16; 480];
    let wide = vec![i32::MAX; 480];
    let block = |n: u64| StreamInstant::from_nanos(n * 10_000_000);
    assert_no_alloc(|| {
        on_input(&mut state, &floats, block(0));
        on_input(&mut state, &ints, block(1));
        on_input(&mut state, &wide, block(2));
        // The ring (4800 samples) fills and the rest counts as overflow.
        for n in 3..20 {
            on_input(&mut state, &floats, block(n));
        }
        stats.paused.store(true, Ordering::Relaxed);
        on_input(&mut state, &floats, block(20));
        stats.paused.store(false, Ordering::Relaxed);
        // An over-run reported by the host, then a block 50 ms late: 2400 frames lost.
        stats.xrun_pending.store(true, Ordering::Relaxed);
        on_input(&mut state, &ints, block(26));
    });
    assert_eq!(stats.frames_captured.load(Ordering::Relaxed), 4800);
    assert_eq!(
        stats.overflow_frames.load(Ordering::Relaxed),
        480 * 21 - 4800 /* 21 unpaused blocks; the paused one is not counted */
    );
    assert_eq!(stats.xrun_frames.load(Ordering::Relaxed), 2400);
    // The samples arrived converted: 0.25 → 8192, then the 16-bit block, then the 32-bit top bits.
    assert_eq!(ring.pop().unwrap(), 8192);
    for _ in 1..480 {
        ring.pop().unwrap();
    }
    assert_eq!(ring.pop().unwrap(), -1200);
    for _ in 1..480 {
        ring.pop().unwrap();
    }
    assert_eq!(ring.pop().unwrap(), 32767);
}

#[test]
fn the_playback_callback_does_not_allocate_on_any_path() {
    let (mut tx, mut rx) = rtrb::RingBuffer::<f32>::new(4_800);
    for i in 0..4_000 {
        tx.push((i % 100) as f32 / 200.0).unwrap();
    }
    let shared = OutputShared::default();
    shared.playing.store(true, Ordering::Relaxed);
    let mut floats = vec![0.0f32; 960];
    let mut ints = vec![0i16; 960];
    let mut wide = vec![0i32; 960];
    assert_no_alloc(|| {
        on_output(&mut floats, 2, &mut rx, &shared);
        on_output(&mut ints, 2, &mut rx, &shared);
        on_output(&mut wide, 1, &mut rx, &shared);
        // A seek: 1000 stale frames are dropped, then the ring runs dry.
        shared.discard_until.store(2_440 + 1_000, Ordering::Relaxed);
        on_output(&mut floats, 1, &mut rx, &shared);
        on_output(&mut ints, 1, &mut rx, &shared);
    });
    assert_eq!(shared.consumed.load(Ordering::Relaxed), 4_000);
    assert_eq!(floats[0], 0.0 + (3_440 % 100) as f32 / 200.0);
    assert!(shared.underruns.load(Ordering::Relaxed) >= 2);
}
