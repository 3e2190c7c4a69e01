//! Benchmarks of pause analysis: speed on an hour of encrypted 48 kHz audio against ffmpeg's
//! `silencedetect` on the same audio in plaintext, in the same run. (Accuracy, with its peers,
//! is `benches/analysis_accuracy.rs`.)
//!
//! * `analyze_1h/verbatim/{quiet,office,real-office,real-cafe}`: open the encrypted file and run
//!   `verbatim::analysis::analyze` on it, decryption and the neural voice detector included. The
//!   hour is a fixture looped at 48 kHz mono 16-bit: the espeak floors (`tests/fixtures/analysis`)
//!   and two real-voice rooms (`scripts/rooms`: office-1, where the detector checks short
//!   silences, and cafe-1, where voices at the next table make it stand down).
//! * `analyze_1h/decrypt_only/office`: open and read every frame, nothing else: the floor under
//!   the analysis.
//! * `analyze_1h/ffmpeg_silencedetect/*`: ffmpeg with `-threads 1` and
//!   `-af silencedetect=n=-40dB:d=0.2 -f null -` on the same hour as a plaintext WAV, from
//!   process start to exit.
//!
//! Criterion's throughput is in seconds of audio per second, i.e. the real-time factor. After
//! its report the bench prints the medians per hour of audio, the real-time factor and the
//! verbatim/ffmpeg ratio, against the goal (>= 1000x real time: 3.6 s for the hour).
//!
//! The goal is for one core: run it pinned, `taskset -c 0 cargo bench --bench analysis` (or
//! `benches/analysis_report.sh`, which builds first so the build is not pinned). Children inherit
//! the affinity, so ffmpeg runs on the same core. Needs `sox` and `ffmpeg` (scripts/system-packages)
//! and `VERBATIM_ROOMS=$(scripts/rooms)` for the real-voice rooms (left out without it).
//!
//! Under `cargo test --benches` (criterion's test mode) the hour shrinks to 2 minutes and each
//! benchmark runs once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use support::audio::{
    BYTES_PER_FRAME, FIXTURES, SECONDS_PER_HOUR, SPEED_NOISE_DB, analyze_file, finish_ffmpeg, looped, median, must,
    spawn_silencedetect, timed, write_encrypted, write_wav,
};
use verbatim::audio::store::EncryptedAudioReader;
use verbatim::crypto::{self, Identity, Recipient};
use verbatim::model::Ms;

/// The goal: an hour of audio analysed in at most this many seconds on one core (1000x).
const GOAL_SECONDS_PER_HOUR: f64 = 3.6;

/// Sizes for a real run and for criterion's test mode (`cargo test --benches`).
struct Config {
    full: bool,
    /// Length of the audio in the speed benchmarks.
    speed_seconds: u64,
}

impl Config {
    fn from_args() -> Self {
        let full = support::full_run();
        Self { full, speed_seconds: if full { SECONDS_PER_HOUR } else { 120 } }
    }
}

/// The recordings the hour is made of: (name, file).
fn speed_sources() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> =
        ["quiet", "office"].iter().map(|f| (f.to_string(), Path::new(FIXTURES).join(format!("{f}.flac")))).collect();
    if let Some(rooms) = std::env::var_os("VERBATIM_ROOMS").map(PathBuf::from) {
        out.push(("real-office".into(), rooms.join("office-1.flac")));
        out.push(("real-cafe".into(), rooms.join("cafe-1.flac")));
    } else {
        eprintln!(
            "speed: VERBATIM_ROOMS is not set (VERBATIM_ROOMS=$(scripts/rooms)): the real-voice rooms are left out"
        );
    }
    out
}

/// Opens and decrypts every frame in quarter-second reads, as the analysis's first stage does.
fn decrypt_all(path: &Path, identity: &Identity) -> u64 {
    let mut reader = must(EncryptedAudioReader::open(path, identity), "opening the audio file");
    let mut buf = vec![0u8; reader.spec().sample_rate as usize / 4 * BYTES_PER_FRAME];
    let mut frames = 0;
    loop {
        match must(reader.read_pcm(black_box(&mut buf)), "reading audio") {
            0 => return frames,
            got => frames += got as u64,
        }
    }
}

/// Where each floor's long audio is, in both forms.
struct LongAudio {
    floor: String,
    wav: PathBuf,
    encrypted: PathBuf,
}

/// Loops each fixture at 48 kHz to `seconds` and writes it as plaintext WAV and encrypted.
fn make_long_audio(seconds: u64, dir: &Path, recipient: &Recipient) -> Vec<LongAudio> {
    let mut out = Vec::new();
    for (floor, source) in speed_sources() {
        let (spec, long) = looped(&source, seconds, dir);
        let audio = LongAudio {
            wav: dir.join(format!("{floor}-{seconds}s.wav")),
            encrypted: dir.join(format!("{floor}-{seconds}s.age")),
            floor,
        };
        let start = Instant::now();
        write_wav(&audio.wav, spec, &long);
        write_encrypted(&audio.encrypted, recipient, spec, &long);
        eprintln!(
            "speed: {}: {seconds} s of 48 kHz audio written in {:.1} s",
            audio.floor,
            start.elapsed().as_secs_f64()
        );
        out.push(audio);
    }
    out
}

/// The speed benchmarks; returns every timing by benchmark name.
fn bench_speed(c: &mut Criterion, config: &Config, dir: &Path, identity: &Identity) -> BTreeMap<String, Vec<Duration>> {
    let seconds = config.speed_seconds;
    let audio = make_long_audio(seconds, dir, &identity.to_public());
    let mut timings: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut group = c.benchmark_group("analyze_1h");
    // One iteration takes seconds: ten flat samples of one or a few each keep the run to minutes.
    group
        .throughput(Throughput::Elements(seconds))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for a in &audio {
        let id = BenchmarkId::new("verbatim", &a.floor);
        timed(&mut group, id, timings.entry(format!("verbatim/{}", a.floor)).or_default(), || {
            let found = analyze_file(&a.encrypted, identity);
            assert_eq!(found.duration, Ms(seconds * 1000));
            assert!(!found.pauses.is_empty(), "no pauses found in {}", a.floor);
            black_box(found);
        });
        let id = BenchmarkId::new("ffmpeg_silencedetect", &a.floor);
        timed(&mut group, id, timings.entry(format!("ffmpeg/{}", a.floor)).or_default(), || {
            black_box(finish_ffmpeg(spawn_silencedetect(&a.wav, SPEED_NOISE_DB)));
        });
        if a.floor == "office" {
            let id = BenchmarkId::new("decrypt_only", &a.floor);
            timed(&mut group, id, timings.entry(format!("decrypt/{}", a.floor)).or_default(), || {
                assert_eq!(decrypt_all(&a.encrypted, identity), seconds * 48_000);
            });
        }
    }
    group.finish();
    for a in &audio {
        for path in [&a.wav, &a.encrypted] {
            must(fs::remove_file(path), "removing the speed audio");
        }
    }
    timings
}

fn print_speed(config: &Config, timings: &mut BTreeMap<String, Vec<Duration>>) {
    let seconds = config.speed_seconds as f64;
    let mut per_hour = |name: &str| -> Option<(f64, usize)> {
        let t = timings.get_mut(name).filter(|t| !t.is_empty())?;
        Some((median(t).as_secs_f64() * SECONDS_PER_HOUR as f64 / seconds, t.len()))
    };
    eprintln!("\n=== pause analysis: speed, {seconds} s of 48 kHz mono 16-bit audio per run ===");
    if !config.full {
        eprintln!("(test mode: one short run each, so ffmpeg's start-up weighs heavily; not a measurement)");
    }
    eprintln!(
        "verbatim: open + decrypt + analyze the encrypted file; ffmpeg: -threads 1 silencedetect=n={SPEED_NOISE_DB}dB:d=0.2 \
         on the plaintext WAV, process start to exit"
    );
    eprintln!("medians scaled to seconds per hour of audio; runs include criterion's warm-up");
    eprintln!("room         verbatim s/h  runs  real time   ffmpeg s/h  runs  verbatim/ffmpeg  <=3.6 s/h");
    for (floor, _) in speed_sources() {
        let (Some((ours, n_ours)), Some((theirs, n_theirs))) =
            (per_hour(&format!("verbatim/{floor}")), per_hour(&format!("ffmpeg/{floor}")))
        else {
            continue;
        };
        let factor = SECONDS_PER_HOUR as f64 / ours;
        let ratio = ours / theirs;
        let yes = |ok: bool| if ok { "yes" } else { "NO" };
        eprintln!(
            "{floor:<12} {ours:>12.3}  {n_ours:>4}  {factor:>8.0}x  {theirs:>11.3}  {n_theirs:>4}  {ratio:>15.2}  {:>9}",
            yes(ours <= GOAL_SECONDS_PER_HOUR),
        );
    }
    if let Some((decrypt, n)) = per_hour("decrypt/office") {
        eprintln!(
            "decrypt only (office): {decrypt:.3} s/h over {n} runs ({:.0}x real time)",
            SECONDS_PER_HOUR as f64 / decrypt
        );
    }
}

fn main() {
    let config = Config::from_args();
    let mut c = Criterion::default().configure_from_args();
    // Under target/, not /tmp: an hour of audio twice per floor is 1.4 GB, too much for a tmpfs.
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    must(fs::create_dir_all(base), "creating the target tmp folder");
    let dir = must(tempfile::Builder::new().prefix("analysis-bench-").tempdir_in(base), "creating the bench folder");
    let identity = crypto::generate_identity();

    let mut timings = bench_speed(&mut c, &config, dir.path(), &identity);
    c.final_summary();
    print_speed(&config, &mut timings);
}
