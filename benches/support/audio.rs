//! Long test audio and the ffmpeg peer, for the benches that analyse an hour of speech
//! (`analysis`, `export`): the 85 s fixtures looped at 48 kHz, written as plaintext WAV for
//! ffmpeg and through the real encrypted writer for verbatim, and the timing helpers they share.

use std::fmt::Display;
use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, BenchmarkId, measurement::WallTime};
use verbatim::analysis::{self, Analysis};
use verbatim::audio::store::{EncryptedAudioReader, EncryptedAudioWriter};
use verbatim::audio::wav::{self, AudioSpec, SampleFormat};
use verbatim::crypto::{Identity, Recipient};

pub const SECONDS_PER_HOUR: u64 = 3600;
/// The analysis fixtures: `quiet.flac`, `office.flac` and their `truth.json`.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/analysis");
/// Bytes per 16-bit mono frame.
pub const BYTES_PER_FRAME: usize = 2;
/// ffmpeg's threshold in the speed runs; its cost hardly depends on it.
pub const SPEED_NOISE_DB: i32 = -40;

pub fn must<T, E: Display>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{what}: {e}"),
    }
}

pub fn mono16(sample_rate: u32) -> AudioSpec {
    AudioSpec { sample_rate, channels: 1, bits_per_sample: 16, sample_format: SampleFormat::Int }
}

/// Converts any audio file sox reads to mono 16-bit WAV at `rate` (no dither: reproducible).
pub fn sox_to_wav(input: &Path, rate: u32, output: &Path) {
    let status = must(
        Command::new("sox")
            .arg("-D")
            .arg(input)
            .args(["-c", "1", "-b", "16", "-r", &rate.to_string()])
            .arg(output)
            .status(),
        "running sox (see scripts/system-packages)",
    );
    assert!(status.success(), "sox failed on {}", input.display());
}

/// The PCM bytes of a mono 16-bit WAV file.
pub fn read_wav(path: &Path) -> (AudioSpec, Vec<u8>) {
    let reader = must(hound::WavReader::open(path), "opening a WAV file");
    let spec = reader.spec();
    assert_eq!((spec.channels, spec.bits_per_sample), (1, 16), "{} is not mono 16-bit", path.display());
    let mut pcm = Vec::with_capacity(reader.len() as usize * BYTES_PER_FRAME);
    for sample in reader.into_samples::<i16>() {
        pcm.extend_from_slice(&must(sample, "reading a WAV file").to_le_bytes());
    }
    (mono16(spec.sample_rate), pcm)
}

pub fn write_wav(path: &Path, spec: AudioSpec, pcm: &[u8]) {
    let mut bytes = must(wav::header_bytes(&spec, Some(pcm.len() as u64)), "making a WAV header");
    bytes.extend_from_slice(pcm);
    must(fs::write(path, bytes), "writing a WAV file");
}

/// Writes `pcm` through the real encrypted writer, one second per call.
pub fn write_encrypted(path: &Path, recipient: &Recipient, spec: AudioSpec, pcm: &[u8]) {
    let mut writer = must(EncryptedAudioWriter::create(path, recipient, spec), "creating the audio file");
    for second in pcm.chunks(spec.sample_rate as usize * BYTES_PER_FRAME) {
        must(writer.write_pcm(second), "writing audio");
    }
    assert_eq!(must(writer.finish(), "finishing the audio file"), (pcm.len() / BYTES_PER_FRAME) as u64);
}

/// The fixture `<floor>.flac` at 48 kHz mono 16-bit, looped to `seconds` (sox's copy goes in `dir`).
pub fn looped_fixture(floor: &str, seconds: u64, dir: &Path) -> (AudioSpec, Vec<u8>) {
    looped(&Path::new(FIXTURES).join(format!("{floor}.flac")), seconds, dir)
}

/// Any audio file at 48 kHz mono 16-bit, looped to `seconds` (sox's copy goes in `dir`).
pub fn looped(source: &Path, seconds: u64, dir: &Path) -> (AudioSpec, Vec<u8>) {
    let stem = source.file_stem().map_or("audio".into(), |s| s.to_string_lossy().into_owned());
    let short = dir.join(format!("{stem}-48k.wav"));
    sox_to_wav(source, 48_000, &short);
    let (spec, pcm) = read_wav(&short);
    let want = seconds as usize * spec.sample_rate as usize * BYTES_PER_FRAME;
    (spec, pcm.iter().copied().cycle().take(want).collect())
}

/// Opens the encrypted file and analyses it, as `verbatim analyze` does without its cache.
pub fn analyze_file(path: &Path, identity: &Identity) -> Analysis {
    let mut reader = must(EncryptedAudioReader::open(path, identity), "opening the audio file");
    must(analysis::analyze(&mut reader, &mut |_, _| {}), "analysing")
}

/// Starts ffmpeg's silencedetect on `wav` with silences of at least 200 ms, like our pauses.
pub fn spawn_silencedetect(wav: &Path, noise_db: i32) -> Child {
    must(
        Command::new("ffmpeg")
            .args(["-nostdin", "-hide_banner", "-threads", "1", "-i"])
            .arg(wav)
            .args(["-af", &format!("silencedetect=n={noise_db}dB:d=0.2"), "-f", "null", "-"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn(),
        "running ffmpeg (see scripts/system-packages)",
    )
}

/// Waits for ffmpeg and returns its log (stderr), failing on a bad exit.
pub fn finish_ffmpeg(child: Child) -> String {
    let output = must(child.wait_with_output(), "waiting for ffmpeg");
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "ffmpeg failed: {log}");
    log
}

pub fn median(timings: &mut [Duration]) -> Duration {
    timings.sort();
    timings.get(timings.len() / 2).copied().unwrap_or_default()
}

/// Adds a benchmark that times `run` once per iteration and keeps every timing.
pub fn timed(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: BenchmarkId,
    timings: &mut Vec<Duration>,
    mut run: impl FnMut(),
) {
    group.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                run();
                let elapsed = start.elapsed();
                timings.push(elapsed);
                total += elapsed;
            }
            total
        });
    });
}
