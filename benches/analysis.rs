//! Benchmarks of pause analysis: speed on an hour of encrypted 48 kHz audio against ffmpeg's
//! `silencedetect` on the same audio in plaintext, in the same run, and accuracy against a truth.
//!
//! * `analyze_1h/verbatim/{quiet,office}`: open the encrypted file and run
//!   `verbatim::analysis::analyze` on it, decryption included. The hour is the 85 s fixture
//!   (`tests/fixtures/analysis/*.flac`, resampled to 48 kHz mono 16-bit by sox) looped.
//! * `analyze_1h/decrypt_only/office`: open and read every frame, nothing else: the floor under
//!   the analysis.
//! * `analyze_1h/ffmpeg_silencedetect/{quiet,office}`: ffmpeg with `-threads 1` and
//!   `-af silencedetect=n=-40dB:d=0.2 -f null -` on the same hour as a plaintext WAV, from
//!   process start to exit.
//!
//! Criterion's throughput is in seconds of audio per second, i.e. the real-time factor. After
//! its report the bench prints the medians per hour of audio, the real-time factor and the
//! verbatim/ffmpeg ratio against the goals (>= 2000x real time; at most half ffmpeg's time).
//! Then the accuracy report: F1, precision and recall of pauses (both ends within 150 ms) for
//! verbatim and for ffmpeg's silences swept over noise thresholds, on both fixtures and the demo
//! interview. Test mode asserts verbatim's F1 >= 0.95 on both fixtures.
//!
//! The goal is for one core: run it pinned, `taskset -c 0 cargo bench --bench analysis` (or
//! `benches/analysis_report.sh`, which builds first so the build is not pinned). Children inherit
//! the affinity, so ffmpeg runs on the same core. Needs `sox` and `ffmpeg` (scripts/system-packages).
//!
//! Under `cargo test --benches` (criterion's test mode) the hour shrinks to 2 minutes, each
//! benchmark runs once and the threshold sweep takes 2 dB steps.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use support::audio::{
    BYTES_PER_FRAME, FIXTURES, SECONDS_PER_HOUR, SPEED_NOISE_DB, analyze_file, finish_ffmpeg, looped_fixture, median,
    must, read_wav, sox_to_wav, spawn_silencedetect, timed, write_encrypted, write_wav,
};
use verbatim::analysis::score::{Score, score};
use verbatim::audio::store::EncryptedAudioReader;
use verbatim::crypto::{self, Identity, Recipient};
use verbatim::model::{Ms, Span};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/demo");
/// Both fixtures, named by their noise floor; they share one truth.
const FLOORS: [&str; 2] = ["quiet", "office"];
/// How far each end of a detected pause may be from the true one.
const TOLERANCE_MS: u64 = 150;
/// Below this F1 on either fixture the bench fails in test mode: accuracy regressed.
const MIN_F1: f64 = 0.95;
/// ffmpeg's noise thresholds swept for its best case (dBFS).
const SWEEP_DB: std::ops::RangeInclusive<i32> = -70..=-15;

/// Sizes for a real run and for criterion's test mode (`cargo test --benches`).
struct Config {
    full: bool,
    /// Length of the audio in the speed benchmarks.
    speed_seconds: u64,
    /// Step of the ffmpeg threshold sweep, dB.
    sweep_step_db: usize,
}

impl Config {
    fn from_args() -> Self {
        let full = support::full_run();
        if full {
            Self { full, speed_seconds: SECONDS_PER_HOUR, sweep_step_db: 1 }
        } else {
            Self { full, speed_seconds: 120, sweep_step_db: 2 }
        }
    }
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

/// The silences in a silencedetect log; one still open at the end lasts to `end_ms`.
fn parse_silences(log: &str, end_ms: u64) -> Vec<Span> {
    // Found anywhere in the line: ffmpeg's progress line can precede the filter's log on it.
    let value = |line: &str, key: &str| -> Option<u64> {
        let rest = &line[line.find(key)? + key.len()..];
        let seconds: f64 = rest.split_whitespace().next()?.parse().ok()?;
        Some((seconds.max(0.0) * 1000.0).round() as u64)
    };
    let mut silences = Vec::new();
    let mut open = None;
    for line in log.lines() {
        if let Some(start_ms) = value(line, "silence_start:") {
            open = Some(start_ms);
        } else if let (Some(end_ms), Some(start_ms)) = (value(line, "silence_end:"), open) {
            silences.push(Span::ms(start_ms, end_ms));
            open = None;
        }
    }
    silences.extend(open.map(|start_ms| Span::ms(start_ms, end_ms)));
    silences
}

/// The `pauses` of a truth file; `drop_ends` removes the first and last (lead-in and tail).
fn load_truth(path: &Path, drop_ends: bool) -> Vec<Span> {
    let text = must(fs::read_to_string(path), "reading a truth file");
    let json: serde_json::Value = must(serde_json::from_str(&text), "parsing a truth file");
    let mut pauses: Vec<Span> = must(serde_json::from_value(json["pauses"].clone()), "reading the truth's pauses");
    if drop_ends {
        assert_eq!(pauses.first().map(|p| p.start), Some(Ms::ZERO), "the first truth pause is not the lead-in");
        pauses.remove(0);
        pauses.pop();
    }
    pauses
}

/// Where each floor's long audio is, in both forms.
struct LongAudio {
    floor: &'static str,
    wav: PathBuf,
    encrypted: PathBuf,
}

/// Loops each fixture at 48 kHz to `seconds` and writes it as plaintext WAV and encrypted.
fn make_long_audio(seconds: u64, dir: &Path, recipient: &Recipient) -> Vec<LongAudio> {
    let mut out = Vec::new();
    for floor in FLOORS {
        let (spec, long) = looped_fixture(floor, seconds, dir);
        let audio = LongAudio {
            floor,
            wav: dir.join(format!("{floor}-{seconds}s.wav")),
            encrypted: dir.join(format!("{floor}-{seconds}s.age")),
        };
        let start = Instant::now();
        write_wav(&audio.wav, spec, &long);
        write_encrypted(&audio.encrypted, recipient, spec, &long);
        eprintln!("speed: {floor}: {seconds} s of 48 kHz audio written in {:.1} s", start.elapsed().as_secs_f64());
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
        let id = BenchmarkId::new("verbatim", a.floor);
        timed(&mut group, id, timings.entry(format!("verbatim/{}", a.floor)).or_default(), || {
            let found = analyze_file(&a.encrypted, identity);
            assert_eq!(found.duration, Ms(seconds * 1000));
            assert!(!found.pauses.is_empty(), "no pauses found in {}", a.floor);
            black_box(found);
        });
        let id = BenchmarkId::new("ffmpeg_silencedetect", a.floor);
        timed(&mut group, id, timings.entry(format!("ffmpeg/{}", a.floor)).or_default(), || {
            black_box(finish_ffmpeg(spawn_silencedetect(&a.wav, SPEED_NOISE_DB)));
        });
        if a.floor == "office" {
            let id = BenchmarkId::new("decrypt_only", a.floor);
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
    eprintln!("floor    verbatim s/h  runs  real time   ffmpeg s/h  runs  verbatim/ffmpeg  >=2000x  <=0.5 ffmpeg");
    for floor in FLOORS {
        let (Some((ours, n_ours)), Some((theirs, n_theirs))) =
            (per_hour(&format!("verbatim/{floor}")), per_hour(&format!("ffmpeg/{floor}")))
        else {
            continue;
        };
        let factor = SECONDS_PER_HOUR as f64 / ours;
        let ratio = ours / theirs;
        let yes = |ok: bool| if ok { "yes" } else { "NO" };
        eprintln!(
            "{floor:<8} {ours:>12.3}  {n_ours:>4}  {factor:>8.0}x  {theirs:>11.3}  {n_theirs:>4}  {ratio:>15.2}  {:>7}  {:>12}",
            yes(factor >= 2000.0),
            yes(ratio <= 0.5),
        );
    }
    if let Some((decrypt, n)) = per_hour("decrypt/office") {
        eprintln!(
            "decrypt only (office): {decrypt:.3} s/h over {n} runs ({:.0}x real time)",
            SECONDS_PER_HOUR as f64 / decrypt
        );
    }
}

/// One recording with a known truth, prepared for both tools.
struct Case {
    name: &'static str,
    wav: PathBuf,
    duration_ms: u64,
    truth: Vec<Span>,
    ours: Score,
    /// verbatim's pauses near no true one, and true pauses near none of verbatim's.
    ours_wrong: (Vec<Span>, Vec<Span>),
    /// ffmpeg's score at each swept threshold.
    sweep: Vec<Score>,
}

/// Scores verbatim and the ffmpeg sweep on both fixtures and the demo interview, at 16 kHz.
fn accuracy(config: &Config, dir: &Path, identity: &Identity) -> (Vec<i32>, Vec<Case>) {
    let fixture_truth = load_truth(&Path::new(FIXTURES).join("truth.json"), false);
    let demo_truth = load_truth(&Path::new(DEMO).join("interview.truth.json"), true);
    let sources = [
        ("quiet", Path::new(FIXTURES).join("quiet.flac"), fixture_truth.clone()),
        ("office", Path::new(FIXTURES).join("office.flac"), fixture_truth),
        ("interview", Path::new(DEMO).join("interview.wav"), demo_truth),
    ];
    let mut cases = Vec::new();
    for (name, source, truth) in sources {
        let wav = dir.join(format!("{name}-16k.wav"));
        sox_to_wav(&source, 16_000, &wav);
        let (spec, pcm) = read_wav(&wav);
        let encrypted = dir.join(format!("{name}-16k.age"));
        write_encrypted(&encrypted, &identity.to_public(), spec, &pcm);
        let found = analyze_file(&encrypted, identity);
        let ours = score(&found.pauses, &truth, TOLERANCE_MS);
        let alone = |a: &[Span], b: &[Span]| -> Vec<Span> {
            a.iter().filter(|x| score(&[**x], b, TOLERANCE_MS).matched == 0).copied().collect()
        };
        let ours_wrong = (alone(&found.pauses, &truth), alone(&truth, &found.pauses));
        let duration_ms = spec.frames_to_ms((pcm.len() / BYTES_PER_FRAME) as u64).0;
        cases.push(Case { name, wav, duration_ms, truth, ours, ours_wrong, sweep: Vec::new() });
    }
    let thresholds: Vec<i32> = SWEEP_DB.step_by(config.sweep_step_db).collect();
    for &db in &thresholds {
        // The three files at once: this is not timed, and it halves the wait on two cores.
        let children: Vec<Child> = cases.iter().map(|c| spawn_silencedetect(&c.wav, db)).collect();
        for (case, child) in cases.iter_mut().zip(children) {
            let silences = parse_silences(&finish_ffmpeg(child), case.duration_ms);
            case.sweep.push(score(&silences, &case.truth, TOLERANCE_MS));
        }
    }
    (thresholds, cases)
}

fn print_accuracy(thresholds: &[i32], cases: &[Case]) {
    let show = |s: &Score| {
        format!("{:.3} (P {:.2} R {:.2}, {}/{}/{})", s.f1(), s.precision(), s.recall(), s.matched, s.detected, s.truth)
    };
    let best = |sweep: &[Score]| {
        sweep.iter().enumerate().max_by(|a, b| a.1.f1().total_cmp(&b.1.f1())).map(|(i, s)| (thresholds[i], *s))
    };
    // The single threshold a user would have to pick for both rooms: best mean F1 on the two floors.
    let floors: Vec<&Case> = cases.iter().filter(|c| FLOORS.contains(&c.name)).collect();
    let common = (0..thresholds.len())
        .max_by(|&a, &b| {
            let mean = |i: usize| floors.iter().map(|c| c.sweep[i].f1()).sum::<f64>();
            mean(a).total_cmp(&mean(b))
        })
        .unwrap_or(0);
    let step = thresholds.get(1).map_or(1, |b| b - thresholds[0]);
    eprintln!(
        "\n=== pause accuracy at 16 kHz: F1 (precision, recall, matched/detected/true), both ends within {TOLERANCE_MS} ms ==="
    );
    eprintln!(
        "ffmpeg: silencedetect d=0.2, n swept {}..{} dB in {step} dB steps; common threshold = best mean F1 on quiet+office: {} dB",
        thresholds.first().unwrap_or(&0),
        thresholds.last().unwrap_or(&0),
        thresholds.get(common).unwrap_or(&0),
    );
    for case in cases {
        eprintln!("{}:", case.name);
        eprintln!("  {:<24}{}", "verbatim analyze", show(&case.ours));
        let list = |spans: &[Span]| spans.iter().map(|s| format!("{}-{}", s.start.0, s.end.0)).collect::<Vec<_>>();
        let (extra, missed) = &case.ours_wrong;
        if !extra.is_empty() || !missed.is_empty() {
            eprintln!("  {:<24}false (ms) {:?}, missed (ms) {:?}", "", list(extra), list(missed));
        }
        if let Some((db, s)) = best(&case.sweep) {
            eprintln!("  {:<24}{}", format!("ffmpeg best ({db} dB)"), show(&s));
        }
        if let Some(s) = case.sweep.get(common) {
            eprintln!("  {:<24}{}", format!("ffmpeg common ({} dB)", thresholds[common]), show(s));
        }
    }
    eprintln!(
        "note: ffmpeg's silences include the lead-in and the tail, which are not pauses; they count as false \
         detections, as they would in verbatim's output. The interview truth's lead-in and tail are dropped."
    );
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

    let (thresholds, cases) = accuracy(&config, dir.path(), &identity);
    print_accuracy(&thresholds, &cases);
    if !config.full {
        for case in cases.iter().filter(|c| FLOORS.contains(&c.name)) {
            let f1 = case.ours.f1();
            assert!(f1 >= MIN_F1, "{}: verbatim's pause F1 {f1:.3} is below {MIN_F1}", case.name);
        }
    }
}
