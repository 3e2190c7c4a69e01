//! Self-test of the PulseAudio null-sink harness in `tests/common/pulse.rs`: real audio played
//! into the null sink comes out of its monitor, two daemons do not see each other, and
//! `kill()` really stops the daemon.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/pulse.rs"]
mod pulse;

use pulse::{MONITOR, NullSink};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const RATE: u32 = 16_000;

/// Starts a sink, or says why the test is skipped.
fn sink() -> Option<NullSink> {
    let sink = NullSink::start();
    if sink.is_none() {
        eprintln!("skipped: no PulseAudio (install pulseaudio pulseaudio-utils)");
    }
    sink
}

/// A 2 s 440 Hz sine at half scale, 44.1 kHz mono, made by sox.
fn tone(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("tone.wav");
    let status = Command::new("sox")
        .args(["-n", "-r", "44100", "-c", "1", "-b", "16"])
        .arg(&path)
        .args(["synth", "2", "sine", "440", "vol", "0.5"])
        .status()
        .expect("run sox");
    assert!(status.success(), "sox failed to make the tone");
    path
}

/// Starts `parecord` on the monitor, writing a 16 kHz mono WAV to `out`.
fn record(sink: &NullSink, out: &Path) -> Child {
    sink.command("parecord")
        .args(["-d", MONITOR, "--file-format=wav", "--channels=1", "--format=s16le"])
        .arg(format!("--rate={RATE}"))
        .arg("--latency-msec=20")
        .arg(out)
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn parecord")
}

/// Waits until `sink` has a recording client: on a loaded machine parecord can take a while
/// to connect, and a tone played before that would be missed.
fn wait_for_recorder(sink: &NullSink) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while sink.command("pactl").args(["list", "short", "source-outputs"]).output().unwrap().stdout.is_empty() {
        assert!(std::time::Instant::now() < deadline, "parecord never connected");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops parecord with SIGINT, so it finishes the WAV header, and waits for it.
fn stop(mut rec: Child) {
    let status = Command::new("kill").args(["-INT", &rec.id().to_string()]).status().expect("run kill");
    assert!(status.success(), "kill -INT parecord failed");
    let status = rec.wait().expect("wait for parecord");
    assert!(status.success() || status.code().is_none(), "parecord failed: {status}");
}

fn samples(path: &Path) -> Vec<f64> {
    let reader = hound::WavReader::open(path).expect("read parecord's WAV");
    let spec = reader.spec();
    assert_eq!((spec.channels, spec.sample_rate), (1, RATE), "{spec:?}");
    reader.into_samples::<i16>().map(|s| f64::from(s.expect("sample")) / 32768.0).collect()
}

/// (RMS, positive-going zero crossings per second, seconds) over the span where the signal is
/// above -40 dBFS, or None if it never is.
fn loud_span(samples: &[f64]) -> Option<(f64, f64, f64)> {
    let loud = |s: &&f64| s.abs() > 0.01;
    let first = samples.iter().position(|s| loud(&s))?;
    let last = samples.iter().rposition(|s| loud(&s))?;
    let span = &samples[first..=last];
    let rms = (span.iter().map(|s| s * s).sum::<f64>() / span.len() as f64).sqrt();
    let ups = span.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
    let secs = span.len() as f64 / f64::from(RATE);
    Some((rms, ups as f64 / secs, secs))
}

fn rms(samples: &[f64]) -> f64 {
    (samples.iter().map(|s| s * s).sum::<f64>() / samples.len().max(1) as f64).sqrt()
}

#[test]
fn a_tone_played_into_the_null_sink_comes_out_of_its_monitor() {
    let Some(sink) = sink() else { return };
    assert!(sink.is_running());
    let dir = tempfile::tempdir().unwrap();
    let tone = tone(dir.path());
    let out = dir.path().join("rec.wav");

    let rec = record(&sink, &out);
    wait_for_recorder(&sink);
    let mut play = sink.play(&tone);
    assert!(play.wait().unwrap().success(), "paplay failed");
    std::thread::sleep(Duration::from_millis(300));
    stop(rec);

    let samples = samples(&out);
    let (rms, hz, secs) =
        loud_span(&samples).unwrap_or_else(|| panic!("the recording is silent; daemon log:\n{}", sink.log()));
    eprintln!(
        "recorded {:.2} s, tone {secs:.2} s at RMS {rms:.3}, {hz:.0} crossings/s",
        samples.len() as f64 / f64::from(RATE)
    );
    assert!(secs > 1.8 && secs < 2.3, "tone lasted {secs:.2} s, not ~2 s");
    // A half-scale sine has RMS 0.354; the floor of a null sink is digital silence.
    assert!(rms > 0.1, "tone RMS {rms:.3} is too low");
    assert!((hz - 440.0).abs() < 10.0, "{hz:.0} crossings/s, not ~440");

    sink.kill();
    assert!(!sink.is_running(), "the daemon survived kill()");
    let status = sink.command("pactl").arg("info").output().unwrap().status;
    assert!(!status.success(), "pactl still reaches a daemon after kill()");
}

#[test]
fn two_sinks_do_not_see_each_other() {
    let (Some(a), Some(b)) = (sink(), sink()) else { return };
    let server = |s: &NullSink| {
        let out = s.command("pactl").arg("info").output().unwrap();
        let info = String::from_utf8(out.stdout).unwrap();
        info.lines().find(|l| l.starts_with("Server String:")).unwrap().to_owned()
    };
    assert_ne!(server(&a), server(&b));

    let dir = tempfile::tempdir().unwrap();
    let tone = tone(dir.path());
    let (out_a, out_b) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
    // A null sink's monitor delivers nothing while nothing plays, so b plays silence of the
    // same length: then b's recording has samples, and they must be silent.
    let silence = dir.path().join("silence.wav");
    let made = Command::new("sox")
        .args(["-n", "-r", "44100", "-c", "1", "-b", "16"])
        .arg(&silence)
        .args(["trim", "0", "2"])
        .status()
        .unwrap();
    assert!(made.success(), "sox failed to make the silence");
    let (rec_a, rec_b) = (record(&a, &out_a), record(&b, &out_b));
    wait_for_recorder(&a);
    wait_for_recorder(&b);
    let mut quiet = b.play(&silence);
    assert!(a.play(&tone).wait().unwrap().success(), "paplay failed");
    assert!(quiet.wait().unwrap().success(), "paplay of the silence failed");
    std::thread::sleep(Duration::from_millis(300));
    stop(rec_a);
    stop(rec_b);

    let (a_samples, b_samples) = (samples(&out_a), samples(&out_b));
    assert!(rms(&a_samples) > 0.1, "sink a did not get its tone");
    assert!(b_samples.len() > RATE as usize, "sink b recorded too little");
    assert!(rms(&b_samples) < 1e-4, "sink b heard sink a's tone");

    a.kill();
    assert!(!a.is_running());
    assert!(b.is_running(), "killing sink a killed sink b");
}
