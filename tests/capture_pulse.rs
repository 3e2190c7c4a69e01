//! Real capture through cpal's PulseAudio host, with no sound card: a private PulseAudio
//! daemon with a null sink, known speech played into it, and `verbatim record` recording its
//! monitor (the default source). Also: the audio server dying mid-recording.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use common::pulse::NullSink;
use common::*;
use verbatim::model::{Mark, MarkerKind};
use verbatim::project::Project;
use verbatim::session::markers::MarkerLog;

/// 64 s of synthetic Norwegian speech (16 kHz mono).
fn speech() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.wav")
}

fn sink() -> NullSink {
    NullSink::start().expect("PulseAudio must be installed for capture tests (scripts/system-packages does it)")
}

fn record(sink: &NullSink, s: &Scratch, seconds: &str) -> Child {
    let mut cmd = sink.command(env!("CARGO_BIN_EXE_verbatim"));
    cmd.arg("record").arg(s.project()).args(["--participant", "P01", "--headless", "--for", seconds]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

fn text(out: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A headless recorder's progress lines, read as they come and kept for failure messages.
struct Progress {
    recorder: Child,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
    seen: String,
}

impl Progress {
    fn of(mut recorder: Child) -> Self {
        let stdout = recorder.stdout.take().unwrap();
        Self { recorder, lines: std::io::BufRead::lines(std::io::BufReader::new(stdout)), seen: String::new() }
    }

    fn next_line(&mut self) -> Option<String> {
        let line = self.lines.next()?.unwrap();
        self.seen.push_str(&line);
        self.seen.push('\n');
        Some(line)
    }

    /// Reads until a `rec` line reports at least `seconds` of audio, and returns its figure.
    fn until_recorded(&mut self, seconds: f64) -> f64 {
        loop {
            let line = self.next_line().unwrap_or_else(|| panic!("the recorder ended early:\n{}", self.seen));
            let reported = line.strip_prefix("rec").and_then(|r| r.trim_start().split('s').next()?.parse::<f64>().ok());
            if let Some(reported) = reported.filter(|r| *r >= seconds) {
                return reported;
            }
        }
    }

    /// Reads the rest, waits for the recorder, and returns its output with every line seen.
    fn finish(mut self) -> Output {
        while self.next_line().is_some() {}
        let out = self.recorder.wait_with_output().unwrap();
        Output { stdout: self.seen.into_bytes(), ..out }
    }
}

fn read_mono(path: &Path) -> Vec<f32> {
    let mut reader = hound::WavReader::open(path).unwrap();
    reader.samples::<i16>().map(|s| f32::from(s.unwrap()) / 32768.0).collect()
}

/// Mean energy per 10 ms at 16 kHz, for a coarse alignment.
fn envelope(x: &[f32]) -> Vec<f32> {
    x.chunks(160).map(|c| c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32).collect()
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

fn ncc(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb).max(1e-12)
}

/// Where (ms into the recording, negative if the recording started after the source) the
/// source's speech best matches, and the normalised correlation there.
fn align(source: &[f32], recorded: &[f32]) -> (i64, f32) {
    // Compare 3 s of speech starting 0.5 s into the source (it opens with 0.4 s of room noise).
    let (from, span) = (8_000usize, 48_000usize);
    let (es, er) = (envelope(&source[from..from + span]), envelope(recorded));
    let coarse = (0..er.len().saturating_sub(es.len()))
        .max_by(|&a, &b| ncc(&es, &er[a..]).total_cmp(&ncc(&es, &er[b..])))
        .unwrap();
    let around = coarse * 160;
    let (lag, similarity) = (around.saturating_sub(320)..around + 320)
        .filter(|lag| lag + span <= recorded.len())
        .map(|lag| (lag, ncc(&source[from..from + span], &recorded[lag..lag + span])))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    ((lag as i64 - from as i64) / 16, similarity)
}

#[test]
fn records_the_default_input_through_cpal_and_keeps_every_frame() {
    let sink = sink();
    let s = Scratch::new();
    let recorder = record(&sink, &s, "5s");
    // Play once the recorder is capturing, however slowly it started on a loaded machine.
    let mut progress = Progress::of(recorder);
    progress.until_recorded(0.0);
    let mut player = sink.play(&speech());
    let out = progress.finish();
    let _ = player.kill();
    let _ = player.wait();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", text(&out));
    assert!(stdout.contains("PulseAudio: Monitor of Null Output (48000 Hz, 1 ch)"), "{stdout}");

    let session = &s.sessions()[0];
    assert_eq!(session["dropped_frames"], 0, "{session}");
    assert_eq!(session["sample_rate"], 48_000);
    let ms = session["duration_ms"].as_u64().unwrap();
    assert!((4_700..=5_300).contains(&ms), "recorded {ms} ms for --for 5s");

    let wav = s.path("rec.wav");
    ok(verbatim().arg("decrypt").arg(s.project()).arg(session["id"].as_str().unwrap()).arg("-o").arg(&wav));
    let down = s.path("rec16k.wav");
    tool("sox", &[wav.to_str().unwrap(), "-r", "16000", down.to_str().unwrap()]);
    let (source, recorded) = (read_mono(&speech()), read_mono(&down));
    let (lag, similarity) = align(&source, &recorded);
    let (source_rms, recorded_rms) = (rms(&source[8_000..56_000]), rms(&recorded));
    eprintln!("aligned at {lag} ms, ncc {similarity:.3}, rms source {source_rms:.4} recorded {recorded_rms:.4}");
    assert!(similarity > 0.9, "the recording holds the played speech (ncc {similarity:.3} at {lag} ms)");
    // A null sink's monitor delivers nothing while nothing plays, so the speech starts near 0.
    assert!((-300..=1_000).contains(&lag), "the speech starts where playback started, found at {lag} ms");
}

#[test]
fn the_audio_server_dying_keeps_the_audio_adds_a_gap_marker_and_says_so() {
    let sink = sink();
    let s = Scratch::new();
    let recorder = record(&sink, &s, "10s");
    let mut player = sink.play(&speech());
    // Kill the server once 2 s of audio are in, however slow the machine is today.
    let mut progress = Progress::of(recorder);
    let recorded_before_kill = progress.until_recorded(2.0);
    sink.kill();
    let out = progress.finish();
    let _ = player.kill();
    let _ = player.wait();
    assert_eq!(out.status.code(), Some(1), "a lost input that never came back is an error: {}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("INPUT LOST at 00:00:0"), "{stderr}");
    assert!(stderr.contains("everything recorded before is saved in session"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let session = &s.sessions()[0];
    assert_eq!(session["state"], "complete", "the file was finalised, no recover needed: {session}");
    let ms = session["duration_ms"].as_u64().unwrap();
    let before_ms = (recorded_before_kill * 1000.0) as u64;
    assert!(
        (before_ms.saturating_sub(20)..=before_ms + 1_000).contains(&ms),
        "{before_ms} ms were recorded when the server was killed; the session holds {ms} ms"
    );
    ok(verbatim().arg("verify").arg(s.project()));

    let project = Project::open(&s.project()).unwrap();
    let mut keyring = project.unlock(&PASS.to_string().into()).unwrap();
    let identity = keyring.participant(&code("P01")).unwrap();
    let markers = MarkerLog::read(&s.session_dir(session["id"].as_str().unwrap()), identity).unwrap();
    let gap = markers.markers.iter().find(|m| m.kind() == MarkerKind::Gap).expect("a gap marker");
    assert!(matches!(&gap.mark, Mark::Gap { cause, .. } if cause.starts_with("input lost")), "{gap:?}");
    assert!(gap.at.0.abs_diff(ms) <= 300, "the gap sits where the audio stops: {} vs {ms}", gap.at.0);
}
