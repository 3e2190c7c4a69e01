//! Benchmarks of review playback: seek latency and the CPU cost of 1.5x playback. Only the
//! pipeline is measured (decrypt + decode + WSOLA stretch, through `Playhead`): no output
//! device is opened, so the bench runs without a sound server.
//!
//! * `seek_first_buffer/{1.0x,1.5x}`: a `Playhead` over an `EncryptedAudioReader` opened once
//!   on a 2 h 48 kHz mono 16-bit file; per iteration, `seek` to a random frame and `render` the
//!   first 20 ms block, the unit the player's worker pushes into the device ring. At 1.5x WSOLA
//!   needs about 100 ms of source (two 50 ms reads) before it yields those 20 ms.
//! * `render_1.5x/verbatim`: open the encrypted file and render 60 s of *output* at 1.5x (90 s
//!   of source) in 20 ms blocks, as fast as possible. This is the work of the player's worker
//!   thread; the device callback only copies from the ring and is not part of it.
//! * `render_1.5x/{ffmpeg_atempo,sox_tempo}`: the peers, `ffmpeg -threads 1 -af atempo=1.5` and
//!   `sox tempo 1.5` (also WSOLA), on the same 90 s as a plaintext WAV, process start to exit.
//!
//! The audio is the demo interview (`src/demo/interview.wav`, resampled to 48 kHz by sox) looped.
//! After criterion's report the bench prints the seek latencies (median, p99, worst; goal <= 20
//! ms) and the CPU time per second of output as a percentage of one core (goal <= 5 %): from
//! `/proc/self/stat`, the bench's own utime + stime for verbatim (the `Playhead` is
//! single-threaded) and the waited-for children's for the peers; wall time likewise.
//!
//! Run it pinned to one core: `taskset -c 0 cargo bench --bench playback` (the peers inherit the
//! affinity). Needs `sox` and `ffmpeg` (scripts/system-packages). Under `cargo test --benches`
//! (criterion's test mode) the file is 60 s, the render 2 s of output, and each benchmark runs once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod support;

use std::fmt::Display;
use std::fs;
use std::hint::black_box;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, measurement::WallTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use verbatim::audio::playback::Playhead;
use verbatim::audio::store::{EncryptedAudioReader, EncryptedAudioWriter};
use verbatim::audio::wav::{self, AudioSpec, SampleFormat};
use verbatim::crypto::{self, Identity};

const SPEC: AudioSpec =
    AudioSpec { sample_rate: 48_000, channels: 1, bits_per_sample: 16, sample_format: SampleFormat::Int };
const RATE: u64 = 48_000;
const BYTES_PER_FRAME: usize = 2;
/// 20 ms: what the player's worker renders per step and pushes into the device ring.
const BLOCK_FRAMES: usize = 960;
const SPEED: f32 = 1.5;
const SECONDS_PER_HOUR: u64 = 3600;
const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/demo/interview.wav");

/// Sizes for a real run and for criterion's test mode (`cargo test --benches`).
struct Config {
    full: bool,
    seek_file_seconds: u64,
    /// Seconds of output audio rendered per CPU run.
    output_seconds: u64,
}

impl Config {
    fn from_args() -> Self {
        let full = support::full_run();
        if full {
            Self { full, seek_file_seconds: 2 * SECONDS_PER_HOUR, output_seconds: 60 }
        } else {
            Self { full, seek_file_seconds: 60, output_seconds: 2 }
        }
    }

    /// Source frames the CPU runs cover: the output at 1.5x.
    fn source_frames(&self) -> u64 {
        (self.output_seconds as f64 * RATE as f64 * f64::from(SPEED)).round() as u64
    }
}

/// One timed run: wall time and CPU time (user + system).
#[derive(Clone, Copy, Default)]
struct Run {
    wall: Duration,
    cpu: f64,
}

/// Figures gathered along the way, printed after criterion's report.
#[derive(Default)]
struct Summary {
    seek_file: Option<(u64, Duration)>,
    /// Seek timings per speed label.
    seeks: Vec<(&'static str, Vec<Duration>)>,
    /// CPU runs per contender.
    renders: Vec<(&'static str, Vec<Run>)>,
}

fn must<T, E: Display>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{what}: {e}"),
    }
}

/// The demo interview at 48 kHz, looped to any length.
struct Speech {
    pcm: Vec<u8>,
}

impl Speech {
    fn load(dir: &Path) -> Self {
        let wav = dir.join("interview-48k.wav");
        let status = must(
            Command::new("sox").arg("-D").arg(DEMO).args(["-c", "1", "-b", "16", "-r", "48000"]).arg(&wav).status(),
            "running sox (see scripts/system-packages)",
        );
        assert!(status.success(), "sox failed on the demo interview");
        let reader = must(hound::WavReader::open(&wav), "opening the resampled interview");
        let mut pcm = Vec::with_capacity(reader.len() as usize * BYTES_PER_FRAME);
        for sample in reader.into_samples::<i16>() {
            pcm.extend_from_slice(&must(sample, "reading the resampled interview").to_le_bytes());
        }
        must(fs::remove_file(&wav), "removing the resampled interview");
        Self { pcm }
    }

    /// Fills `buf` with the PCM of the looped audio from frame `first`.
    fn fill(&self, buf: &mut [u8], first: u64) {
        let mut at = (first % (self.pcm.len() / BYTES_PER_FRAME) as u64) as usize * BYTES_PER_FRAME;
        let mut done = 0;
        while done < buf.len() {
            let take = (buf.len() - done).min(self.pcm.len() - at);
            buf[done..done + take].copy_from_slice(&self.pcm[at..at + take]);
            done += take;
            at = 0;
        }
    }

    /// `n` samples from frame `first` as the playhead hands them out at 1.0x.
    fn floats(&self, first: u64, n: usize) -> Vec<f32> {
        let mut bytes = vec![0u8; n * BYTES_PER_FRAME];
        self.fill(&mut bytes, first);
        bytes.chunks_exact(2).map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0).collect()
    }
}

/// Process CPU time in seconds, (own user + system, waited-for children's user + system), from
/// `/proc/self/stat` (clock ticks of 1/100 s).
fn cpu_times() -> (f64, f64) {
    let stat = must(fs::read_to_string("/proc/self/stat"), "reading /proc/self/stat");
    // Fields after the parenthesised command name start at field 3 (state); utime is field 14,
    // stime 15, cutime 16, cstime 17.
    let rest = &stat[stat.rfind(')').expect("a command name in /proc/self/stat") + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> f64 { must(fields[i].parse::<u64>(), "parsing /proc/self/stat") as f64 / 100.0 };
    // USER_HZ is 100 on every Linux architecture's user-space ABI.
    (ticks(11) + ticks(12), ticks(13) + ticks(14))
}

fn percentile<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    let rank = ((sorted.len().max(1) - 1) as f64 * p).round() as usize;
    sorted.get(rank).copied().unwrap_or_default()
}

/// Writes `seconds` of the looped speech through the real encrypted writer, one second per call.
fn make_file(path: &Path, identity: &Identity, speech: &Speech, seconds: u64) {
    let mut writer = must(EncryptedAudioWriter::create(path, &identity.to_public(), SPEC), "creating the audio file");
    let mut second = vec![0u8; RATE as usize * BYTES_PER_FRAME];
    for s in 0..seconds {
        speech.fill(&mut second, s * RATE);
        must(writer.write_pcm(&second), "writing audio");
    }
    assert_eq!(must(writer.finish(), "finishing the audio file"), seconds * RATE);
}

fn open_playhead(path: &Path, identity: &Identity) -> Playhead<EncryptedAudioReader> {
    let reader = must(EncryptedAudioReader::open(path, identity), "opening the audio file");
    must(Playhead::new(reader), "making the playhead")
}

/// Seeks and renders the first block: the timed unit of `seek_first_buffer`.
fn first_buffer(head: &mut Playhead<EncryptedAudioReader>, frame: u64, block: &mut [f32]) -> usize {
    must(head.seek(black_box(frame)), "seeking");
    must(head.render(black_box(block)), "rendering")
}

/// Checks, outside any timing, that a seek lands where it should: at 1.0x the block is the
/// recording sample for sample; at 1.5x it is audible and the position moved 1.5 blocks on.
fn verify_seeks(head: &mut Playhead<EncryptedAudioReader>, speech: &Speech, last: u64) {
    let mut block = vec![0.0f32; BLOCK_FRAMES];
    let mut rng = StdRng::seed_from_u64(0x5EED_0100);
    let probes: Vec<u64> = [0, last].into_iter().chain((0..32).map(|_| rng.random_range(0..=last))).collect();
    must(head.set_speed(1.0), "setting 1.0x");
    for &frame in &probes {
        assert_eq!(first_buffer(head, frame, &mut block), BLOCK_FRAMES, "short block at frame {frame}");
        assert!(block == speech.floats(frame, BLOCK_FRAMES), "seek to {frame} at 1.0x played the wrong samples");
        assert_eq!(head.position(), frame + BLOCK_FRAMES as u64);
    }
    must(head.set_speed(SPEED), "setting 1.5x");
    for &frame in &probes {
        assert_eq!(first_buffer(head, frame, &mut block), BLOCK_FRAMES, "short block at frame {frame}");
        let moved = head.position() - frame;
        assert!(moved.abs_diff(BLOCK_FRAMES as u64 * 3 / 2) <= 1, "1.5x block at {frame} moved {moved} frames");
    }
    // Somewhere in the probes there is speech, and the stretched audio carries it.
    let loudest = probes
        .iter()
        .map(|&frame| {
            first_buffer(head, frame, &mut block);
            block.iter().fold(0.0f32, |m, s| m.max(s.abs()))
        })
        .fold(0.0f32, f32::max);
    assert!(loudest > 0.05, "every 1.5x block is near silence (peak {loudest})");
}

fn bench_seek(c: &mut Criterion, config: &Config, dir: &Path, identity: &Identity, speech: &Speech, s: &mut Summary) {
    let path = dir.join("seek.age");
    let start = Instant::now();
    make_file(&path, identity, speech, config.seek_file_seconds);
    let made = start.elapsed();
    eprintln!("seek: {} s encrypted fixture written in {:.1} s", config.seek_file_seconds, made.as_secs_f64());
    s.seek_file = Some((config.seek_file_seconds, made));

    let mut head = open_playhead(&path, identity);
    // Leave the last second out, so every seek has a whole block after it at either speed.
    let last = head.frames() - RATE;
    verify_seeks(&mut head, speech, last);

    let mut block = vec![0.0f32; BLOCK_FRAMES];
    let mut group = c.benchmark_group("seek_first_buffer");
    group.sample_size(100).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(8));
    for (label, speed, seed) in [("1.0x", 1.0, 0x5EED_0101), ("1.5x", SPEED, 0x5EED_0102)] {
        must(head.set_speed(speed), "setting the speed");
        let mut rng = StdRng::seed_from_u64(seed);
        let mut timings = Vec::new();
        group.bench_function(label, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let frame = rng.random_range(0..=last);
                    let start = Instant::now();
                    let got = first_buffer(&mut head, frame, &mut block);
                    let elapsed = start.elapsed();
                    assert_eq!(got, BLOCK_FRAMES);
                    timings.push(elapsed);
                    total += elapsed;
                }
                total
            });
        });
        s.seeks.push((label, timings));
    }
    group.finish();
    drop(head);
    must(fs::remove_file(&path), "removing the seek fixture");
}

/// Opens the file and renders `config.output_seconds` of output at 1.5x; returns the end position.
fn render_output(path: &Path, identity: &Identity, config: &Config) -> u64 {
    let mut head = open_playhead(path, identity);
    must(head.set_speed(SPEED), "setting 1.5x");
    let mut block = vec![0.0f32; BLOCK_FRAMES];
    let mut left = config.output_seconds * RATE;
    while left > 0 {
        let want = (left as usize).min(BLOCK_FRAMES);
        let got = must(head.render(black_box(&mut block[..want])), "rendering");
        assert_eq!(got, want, "the source ran out");
        left -= got as u64;
    }
    head.position()
}

/// Adds a benchmark that times `run` once per iteration, with the CPU time `run` reports.
fn timed(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, runs: &mut Vec<Run>, mut run: impl FnMut() -> f64) {
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let cpu = run();
                let wall = start.elapsed();
                runs.push(Run { wall, cpu });
                total += wall;
            }
            total
        });
    });
}

/// Runs a peer to completion; returns its CPU time (user + system).
fn run_peer(command: &mut Command, name: &str) -> f64 {
    let (_, before) = cpu_times();
    let output = must(command.stdin(Stdio::null()).stdout(Stdio::null()).output(), name);
    let (_, after) = cpu_times();
    assert!(output.status.success(), "{name} failed: {}", String::from_utf8_lossy(&output.stderr));
    after - before
}

fn bench_render(c: &mut Criterion, config: &Config, dir: &Path, identity: &Identity, speech: &Speech, s: &mut Summary) {
    // The source the output needs, plus a second for WSOLA's look-ahead; the peers get exactly
    // the source of the output, so all three make the same 60 s.
    let source = config.source_frames();
    let path = dir.join("render.age");
    make_file(&path, identity, speech, source.div_ceil(RATE) + 1);
    let wav_path = dir.join("render.wav");
    let mut pcm = vec![0u8; source as usize * BYTES_PER_FRAME];
    speech.fill(&mut pcm, 0);
    let mut bytes = must(wav::header_bytes(&SPEC, Some(pcm.len() as u64)), "making a WAV header");
    bytes.extend_from_slice(&pcm);
    must(fs::write(&wav_path, bytes), "writing the plaintext WAV");

    let end = render_output(&path, identity, config);
    assert!(end.abs_diff(source) <= 1, "60 s of output at 1.5x ended at source frame {end}, not {source}");

    let mut group = c.benchmark_group("render_1.5x");
    group
        .throughput(Throughput::Elements(config.output_seconds))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    let mut runs = Vec::new();
    timed(&mut group, "verbatim", &mut runs, || {
        let (before, _) = cpu_times();
        black_box(render_output(&path, identity, config));
        cpu_times().0 - before
    });
    s.renders.push(("verbatim: Playhead on the encrypted file", runs));
    let mut runs = Vec::new();
    timed(&mut group, "ffmpeg_atempo", &mut runs, || {
        let mut ffmpeg = Command::new("ffmpeg");
        ffmpeg.args(["-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1", "-i"]).arg(&wav_path);
        ffmpeg.args(["-af", &format!("atempo={SPEED}"), "-f", "null", "-"]);
        run_peer(&mut ffmpeg, "running ffmpeg (see scripts/system-packages)")
    });
    s.renders.push(("ffmpeg -threads 1 -af atempo=1.5, plaintext WAV", runs));
    let mut runs = Vec::new();
    timed(&mut group, "sox_tempo", &mut runs, || {
        let mut sox = Command::new("sox");
        sox.arg("-D").arg(&wav_path).args(["-n", "tempo", &SPEED.to_string()]);
        run_peer(&mut sox, "running sox (see scripts/system-packages)")
    });
    s.renders.push(("sox tempo 1.5, plaintext WAV", runs));
    group.finish();
    for p in [&path, &wav_path] {
        must(fs::remove_file(p), "removing the render audio");
    }
}

fn print_summary(config: &Config, s: &mut Summary) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let yes = |ok: bool| if ok { "yes" } else { "NO" };
    eprintln!("\n=== review playback: derived figures (pipeline only: decrypt + decode + stretch, no device) ===");
    if !config.full {
        eprintln!("(test mode: a short file and one short run each; not a measurement)");
    }
    if let Some((seconds, made)) = s.seek_file {
        eprintln!(
            "seek fixture: {seconds} s of 48 kHz mono 16-bit audio, encrypted, written in {:.1} s",
            made.as_secs_f64()
        );
    }
    for (label, timings) in &mut s.seeks {
        if timings.is_empty() {
            continue;
        }
        timings.sort();
        let worst = percentile(timings, 1.0);
        eprintln!(
            "seek + first 20 ms block at {label}: {} seeks incl. warm-up, median {:.3} ms, p99 {:.3} ms, worst {:.3} ms \
             (goal <= 20 ms: {})",
            timings.len(),
            ms(percentile(timings, 0.5)),
            ms(percentile(timings, 0.99)),
            ms(worst),
            yes(ms(worst) <= 20.0),
        );
    }
    let out = config.output_seconds as f64;
    eprintln!(
        "1.5x playback: {out} s of output ({:.0} s of source) per run, in % of one core per second of output. \
         This is the player's worker thread; the device callback only copies from a ring (not measured).",
        config.source_frames() as f64 / RATE as f64
    );
    eprintln!("  CPU from /proc/self/stat (1/100 s ticks); medians over the runs, warm-up included");
    let mut medians = Vec::new();
    for (name, runs) in &mut s.renders {
        if runs.is_empty() {
            continue;
        }
        runs.sort_by(|a, b| a.cpu.total_cmp(&b.cpu));
        let cpu = percentile(runs, 0.5).cpu;
        runs.sort_by_key(|r| r.wall);
        let wall = percentile(runs, 0.5).wall.as_secs_f64();
        let goal =
            if medians.is_empty() { format!(" (goal <= 5 %: {})", yes(cpu / out <= 0.05)) } else { String::new() };
        eprintln!(
            "  {name}: CPU {:.2} % ({cpu:.2} s per run), wall {:.2} % ({wall:.2} s), {} runs{goal}",
            cpu / out * 100.0,
            wall / out * 100.0,
            runs.len(),
        );
        medians.push(cpu);
    }
    if let [ours, ffmpeg, sox] = medians[..] {
        eprintln!("  verbatim's CPU is {:.1}x ffmpeg's and {:.1}x sox's", ours / ffmpeg, ours / sox);
    }
}

fn main() {
    let config = Config::from_args();
    let mut c = Criterion::default().configure_from_args();
    // Under target/, not /tmp: the 2 h fixture is 690 MB, too much for a tmpfs.
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    must(fs::create_dir_all(base), "creating the target tmp folder");
    let tmp = must(tempfile::Builder::new().prefix("playback-bench-").tempdir_in(base), "creating the bench folder");
    let dir = tmp.path();
    let identity = crypto::generate_identity();
    let speech = Speech::load(dir);
    let mut summary = Summary::default();

    bench_seek(&mut c, &config, dir, &identity, &speech, &mut summary);
    bench_render(&mut c, &config, dir, &identity, &speech, &mut summary);

    c.final_summary();
    print_summary(&config, &mut summary);
}
