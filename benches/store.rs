//! Benchmarks of the encrypted audio store: recording throughput and random-access latency.
//!
//! * `write/60s_audio`: 60 s of 48 kHz mono 16-bit audio written the way the recorder does it
//!   (10 ms blocks of 480 frames), including `create` and `finish`, with the real fsync policy
//!   (one `fdatasync` per sealed 64 KiB chunk) on a real disk under `target/`.
//! * `seek/seek_read_10ms`: on an open reader over a 2 h file, seek to a random frame and read
//!   10 ms of audio.
//! * `seek/open_seek_read_10ms`: the same, but opening the file (X25519 unwrap of the file key
//!   and authentication of the final chunk) every time.
//!
//! After criterion's own report the bench prints the derived figures: wall and CPU seconds per
//! hour of recorded audio (CPU time from `/proc/self/stat` around a one-off 1 h write) and the
//! median, 99th percentile and worst seek latencies.
//!
//! Under `cargo test --benches` (criterion's test mode) everything shrinks to a few seconds.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod support;

use std::fmt::Display;
use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use verbatim::audio::store::{EncryptedAudioReader, EncryptedAudioWriter};
use verbatim::audio::wav::{AudioSpec, SampleFormat};
use verbatim::crypto::{self, Identity, Recipient};

const SPEC: AudioSpec =
    AudioSpec { sample_rate: 48_000, channels: 1, bits_per_sample: 16, sample_format: SampleFormat::Int };
const RATE: u64 = 48_000;
const BYTES_PER_FRAME: usize = 2;
/// 10 ms at 48 kHz: what the recorder hands the writer per callback.
const BLOCK_FRAMES: usize = 480;
const BLOCK_BYTES: usize = BLOCK_FRAMES * BYTES_PER_FRAME;
const SECONDS_PER_HOUR: u64 = 3600;

/// Sizes for a real run and for criterion's test mode (`cargo test --benches`).
struct Config {
    full: bool,
    write_seconds: u64,
    /// Length of the one-off CPU-time measurement (0 skips it).
    cpu_probe_seconds: u64,
    seek_file_seconds: u64,
}

impl Config {
    fn from_args() -> Self {
        let full = support::full_run();
        if full {
            Self {
                full,
                write_seconds: 60,
                cpu_probe_seconds: SECONDS_PER_HOUR,
                seek_file_seconds: 2 * SECONDS_PER_HOUR,
            }
        } else {
            Self { full, write_seconds: 1, cpu_probe_seconds: 0, seek_file_seconds: 60 }
        }
    }
}

/// Figures gathered along the way, printed after criterion's report.
#[derive(Default)]
struct Summary {
    write_iters: Vec<Duration>,
    write_seconds: u64,
    cpu_probe: Option<CpuProbe>,
    seek_file: Option<(u64, Duration)>,
    seek: Vec<Duration>,
    open_seek: Vec<Duration>,
}

struct CpuProbe {
    audio_seconds: u64,
    wall: Duration,
    cpu_user: f64,
    cpu_sys: f64,
}

fn must<T, E: Display>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{what}: {e}"),
    }
}

/// The sample at `frame`: a multiplicative hash, so no two nearby frames (and no two frames a
/// period apart, as with a ramp or a sine) look alike and an off-by-N seek cannot pass.
fn sample_at(frame: u64) -> i16 {
    (frame.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as u16 as i16
}

/// Fills `buf` with the PCM of the frames starting at `first`.
fn fill(buf: &mut [u8], first: u64) {
    for (i, out) in buf.chunks_exact_mut(BYTES_PER_FRAME).enumerate() {
        out.copy_from_slice(&sample_at(first + i as u64).to_le_bytes());
    }
}

/// Writes `repeat` copies of `pcm` in 10 ms blocks, as the recorder does; returns the frames.
fn write_file(path: &Path, recipient: &Recipient, pcm: &[u8], repeat: u64) -> u64 {
    let mut writer = must(EncryptedAudioWriter::create(path, recipient, SPEC), "creating the audio file");
    for _ in 0..repeat {
        for block in pcm.chunks(BLOCK_BYTES) {
            must(writer.write_pcm(block), "writing audio");
        }
    }
    must(writer.finish(), "finishing the audio file")
}

/// Process CPU time (user, system) in seconds, from `/proc/self/stat` (clock ticks of 1/100 s).
fn cpu_times() -> Option<(f64, f64)> {
    let stat = fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name start at field 3 (state); utime is field 14.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    // USER_HZ is 100 on every Linux architecture's user-space ABI.
    Some((ticks(11)? as f64 / 100.0, ticks(12)? as f64 / 100.0))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn bench_write(c: &mut Criterion, config: &Config, dir: &Path, recipient: &Recipient, summary: &mut Summary) {
    let frames = config.write_seconds * RATE;
    let mut pcm = vec![0u8; frames as usize * BYTES_PER_FRAME];
    fill(&mut pcm, 0);

    let mut group = c.benchmark_group("write");
    group
        .throughput(Throughput::Bytes(pcm.len() as u64))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(3))
        .measurement_time(Duration::from_secs(15));
    let mut counter = 0u64;
    let timings = &mut summary.write_iters;
    group.bench_function(BenchmarkId::from_parameter(format!("{}s_audio", config.write_seconds)), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                counter += 1;
                let path = dir.join(format!("write-{counter}.age"));
                let start = Instant::now();
                let written = write_file(&path, recipient, &pcm, 1);
                let elapsed = start.elapsed();
                assert_eq!(written, frames);
                timings.push(elapsed);
                total += elapsed;
                must(fs::remove_file(&path), "removing the benchmark file");
            }
            total
        });
    });
    group.finish();
    summary.write_seconds = config.write_seconds;

    if config.cpu_probe_seconds > 0 {
        let path = dir.join("cpu-probe.age");
        let repeat = config.cpu_probe_seconds / config.write_seconds;
        let before = cpu_times();
        let start = Instant::now();
        let written = write_file(&path, recipient, &pcm, repeat);
        let wall = start.elapsed();
        let after = cpu_times();
        assert_eq!(written, repeat * frames);
        if let (Some((u0, s0)), Some((u1, s1))) = (before, after) {
            let probe =
                CpuProbe { audio_seconds: repeat * config.write_seconds, wall, cpu_user: u1 - u0, cpu_sys: s1 - s0 };
            eprintln!(
                "write: one-off {} s of audio: wall {:.2} s, CPU {:.2} s (user {:.2} + sys {:.2})",
                probe.audio_seconds,
                wall.as_secs_f64(),
                probe.cpu_user + probe.cpu_sys,
                probe.cpu_user,
                probe.cpu_sys
            );
            summary.cpu_probe = Some(probe);
        }
        must(fs::remove_file(&path), "removing the CPU probe file");
    }
}

/// Writes the seek fixture through the real writer and checks that seeks land on the right
/// samples; returns its path.
fn seek_fixture(config: &Config, dir: &Path, identity: &Identity, summary: &mut Summary) -> PathBuf {
    let path = dir.join("seek-fixture.age");
    let total = config.seek_file_seconds * RATE;
    let start = Instant::now();
    let mut writer =
        must(EncryptedAudioWriter::create(&path, &identity.to_public(), SPEC), "creating the seek fixture");
    // One second per call: the block size does not change the file, only how fast it is made.
    let mut second = vec![0u8; RATE as usize * BYTES_PER_FRAME];
    for s in 0..config.seek_file_seconds {
        fill(&mut second, s * RATE);
        must(writer.write_pcm(&second), "writing the seek fixture");
    }
    assert_eq!(must(writer.finish(), "finishing the seek fixture"), total);
    let made = start.elapsed();
    summary.seek_file = Some((config.seek_file_seconds, made));
    eprintln!(
        "seek: fixture of {} s ({} MB of PCM) written in {:.1} s",
        config.seek_file_seconds,
        total * BYTES_PER_FRAME as u64 / 1_000_000,
        made.as_secs_f64()
    );

    // Verification, once, outside any timing: every probe must return exactly what was written.
    let mut reader = must(EncryptedAudioReader::open(&path, identity), "opening the seek fixture");
    assert_eq!(reader.frames(), total);
    assert_eq!(reader.spec(), SPEC);
    let mut probes = vec![0, 1, total - BLOCK_FRAMES as u64];
    // Reads straddling sealed-chunk boundaries (the 44-byte WAV header shifts them by 22 frames).
    for k in [1u64, 2, 1000, total * 2 / 65_536 - 1] {
        probes.push(k * 32_768 - 22 - 240);
    }
    probes.retain(|&frame| frame + BLOCK_FRAMES as u64 <= total);
    let mut rng = StdRng::seed_from_u64(0x5EED_0001);
    probes.extend((0..256).map(|_| rng.random_range(0..=total - BLOCK_FRAMES as u64)));
    let mut got = vec![0u8; BLOCK_BYTES];
    let mut want = vec![0u8; BLOCK_BYTES];
    for frame in probes {
        must(reader.seek_frame(frame), "seeking");
        assert_eq!(must(reader.read_pcm(&mut got), "reading"), BLOCK_FRAMES, "short read at frame {frame}");
        fill(&mut want, frame);
        assert!(got == want, "seek to frame {frame} returned the wrong samples");
        assert_eq!(reader.position(), frame + BLOCK_FRAMES as u64);
    }
    // At the end a read is short, not an error.
    must(reader.seek_frame(total - 100), "seeking near the end");
    assert_eq!(must(reader.read_pcm(&mut got), "reading the tail"), 100);
    fill(&mut want[..200], total - 100);
    assert!(got[..200] == want[..200], "the last 100 frames are wrong");
    path
}

fn bench_seek(c: &mut Criterion, config: &Config, dir: &Path, identity: &Identity, summary: &mut Summary) {
    let path = seek_fixture(config, dir, identity, summary);
    let last_start = config.seek_file_seconds * RATE - BLOCK_FRAMES as u64;
    let mut buf = vec![0u8; BLOCK_BYTES];

    let mut group = c.benchmark_group("seek");
    group.sample_size(100).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(8));

    let mut reader = must(EncryptedAudioReader::open(&path, identity), "opening the seek fixture");
    let mut rng = StdRng::seed_from_u64(0x5EED_0002);
    let timings = &mut summary.seek;
    group.bench_function("seek_read_10ms", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let frame = rng.random_range(0..=last_start);
                let start = Instant::now();
                must(reader.seek_frame(black_box(frame)), "seeking");
                let read = must(reader.read_pcm(black_box(&mut buf)), "reading");
                let elapsed = start.elapsed();
                assert_eq!(read, BLOCK_FRAMES);
                timings.push(elapsed);
                total += elapsed;
            }
            total
        });
    });
    drop(reader);

    let mut rng = StdRng::seed_from_u64(0x5EED_0003);
    let timings = &mut summary.open_seek;
    group.bench_function("open_seek_read_10ms", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let frame = rng.random_range(0..=last_start);
                let start = Instant::now();
                let mut reader = must(EncryptedAudioReader::open(black_box(&path), identity), "opening");
                must(reader.seek_frame(black_box(frame)), "seeking");
                let read = must(reader.read_pcm(black_box(&mut buf)), "reading");
                let elapsed = start.elapsed();
                assert_eq!(read, BLOCK_FRAMES);
                timings.push(elapsed);
                total += elapsed;
                drop(reader);
            }
            total
        });
    });
    group.finish();
    must(fs::remove_file(&path), "removing the seek fixture");
}

fn print_summary(summary: &mut Summary) {
    let per_hour = |d: Duration, audio_seconds: u64| d.as_secs_f64() * SECONDS_PER_HOUR as f64 / audio_seconds as f64;
    eprintln!("\n=== encrypted audio store: derived figures ===");
    if !summary.write_iters.is_empty() {
        summary.write_iters.sort();
        let median = percentile(&summary.write_iters, 0.5);
        let bytes = summary.write_seconds * RATE * BYTES_PER_FRAME as u64;
        eprintln!(
            "write ({} s per iteration, {} iterations incl. warm-up): median {:.1} ms = {:.1} MB/s of PCM \
             = {:.2} s of wall time per hour of audio ({:.0}x real time)",
            summary.write_seconds,
            summary.write_iters.len(),
            median.as_secs_f64() * 1e3,
            bytes as f64 / median.as_secs_f64() / 1e6,
            per_hour(median, summary.write_seconds),
            summary.write_seconds as f64 / median.as_secs_f64(),
        );
    }
    if let Some(p) = &summary.cpu_probe {
        eprintln!(
            "write, one-off {} s of audio: wall {:.2} s per hour, CPU {:.2} s per hour (user {:.2} + sys {:.2}); \
             the rest of the wall time is waiting for fsync",
            p.audio_seconds,
            per_hour(p.wall, p.audio_seconds),
            (p.cpu_user + p.cpu_sys) * SECONDS_PER_HOUR as f64 / p.audio_seconds as f64,
            p.cpu_user * SECONDS_PER_HOUR as f64 / p.audio_seconds as f64,
            p.cpu_sys * SECONDS_PER_HOUR as f64 / p.audio_seconds as f64,
        );
    }
    if let Some((seconds, made)) = summary.seek_file {
        eprintln!("seek fixture: {seconds} s of audio written in {:.1} s", made.as_secs_f64());
    }
    for (name, timings) in
        [("seek + read 10 ms", &mut summary.seek), ("open + seek + read 10 ms", &mut summary.open_seek)]
    {
        if timings.is_empty() {
            continue;
        }
        timings.sort();
        eprintln!(
            "{name}: {} iterations, median {:.1} µs, p99 {:.1} µs, max {:.1} µs (goal <= 20 ms)",
            timings.len(),
            percentile(timings, 0.5).as_secs_f64() * 1e6,
            percentile(timings, 0.99).as_secs_f64() * 1e6,
            percentile(timings, 1.0).as_secs_f64() * 1e6,
        );
    }
}

fn main() {
    let config = Config::from_args();
    let mut c = Criterion::default().configure_from_args();
    // A real disk, so the fsync policy costs what it costs (target/ is on the build disk; /tmp
    // may be tmpfs, where fsync is free).
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    must(fs::create_dir_all(base), "creating the target tmp folder");
    let dir = must(tempfile::Builder::new().prefix("store-bench-").tempdir_in(base), "creating the bench folder");
    let identity = crypto::generate_identity();
    let mut summary = Summary::default();

    bench_write(&mut c, &config, dir.path(), &identity.to_public(), &mut summary);
    bench_seek(&mut c, &config, dir.path(), &identity, &mut summary);

    c.final_summary();
    if config.full {
        print_summary(&mut summary);
    }
}
