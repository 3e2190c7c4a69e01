//! End-to-end tests of the encrypted store through the real binary and real tools
//! (sox makes the audio, ffmpeg/sox/hound/age read the results).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;

/// (sox arguments describing the file, label)
const LAYOUTS: &[(&[&str], &str)] = &[
    (&["-r", "48000", "-b", "16", "-c", "1", "-e", "signed-integer"], "48k mono s16"),
    (&["-r", "44100", "-b", "24", "-c", "2", "-e", "signed-integer"], "44.1k stereo s24"),
    (&["-r", "8000", "-b", "8", "-c", "1", "-e", "unsigned-integer"], "8k mono u8"),
    (&["-r", "96000", "-b", "32", "-c", "2", "-e", "floating-point"], "96k stereo f32"),
    (&["-r", "16000", "-b", "32", "-c", "1", "-e", "signed-integer"], "16k mono s32"),
    (&["-r", "48000", "-b", "16", "-c", "6", "-e", "signed-integer"], "48k 5.1 s16"),
];

fn make_wav(path: &std::path::Path, layout: &[&str], seconds: &str) {
    let mut args = vec!["-n"];
    args.extend_from_slice(layout);
    let p = path.to_str().unwrap();
    // Pink noise plus a sweep: every bit of every sample matters for a bit-exact check.
    args.extend_from_slice(&[p, "synth", seconds, "pinknoise", "vol", "0.4", "dither"]);
    tool("sox", &args);
}

#[test]
fn import_then_decrypt_is_bit_exact_and_read_identically_by_hound_ffmpeg_and_sox() {
    let s = Scratch::new();
    for (layout, label) in LAYOUTS {
        let src = s.path(&format!("{}.wav", label.replace(' ', "_")));
        make_wav(&src, layout, "2.3");
        let id = s.import(&src);
        let out = s.path(&format!("{}-out.wav", label.replace(' ', "_")));
        ok(verbatim().arg("decrypt").arg(s.project()).arg(&id).arg("-o").arg(&out));
        let original = wav_data(&src);
        let decrypted = wav_data(&out);
        assert_eq!(decrypted.len(), original.len(), "{label}: data length");
        assert!(decrypted == original, "{label}: PCM differs");

        // The header sizes are exact: RIFF size = file - 8, data size = PCM bytes.
        let bytes = std::fs::read(&out).unwrap();
        let riff = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff, bytes.len() - 8, "{label}: RIFF size");

        // hound, ffmpeg and sox all decode the same samples.
        let o = out.to_str().unwrap();
        let sox_raw = tool("sox", &[o, "-t", "raw", "-"]);
        let ff_codec = match *label {
            l if l.ends_with("u8") => "u8",
            l if l.ends_with("s16") => "s16le",
            l if l.ends_with("s24") => "s24le",
            l if l.ends_with("s32") => "s32le",
            _ => "f32le",
        };
        let ff_raw = tool("ffmpeg", &["-v", "error", "-i", o, "-f", ff_codec, "-"]);
        assert!(ff_raw == original, "{label}: ffmpeg reads different samples");
        assert!(sox_raw == original, "{label}: sox reads different samples");
        let mut reader = hound::WavReader::open(&out).unwrap();
        assert_eq!(
            reader.len() as usize * reader.spec().bits_per_sample as usize / 8,
            original.len(),
            "{label}: hound length"
        );
        if reader.spec().sample_format == hound::SampleFormat::Int && reader.spec().bits_per_sample == 16 {
            let hound_samples: Vec<i16> = reader.samples::<i16>().map(|x| x.unwrap()).collect();
            let ours: Vec<i16> = original.chunks(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
            assert_eq!(hound_samples, ours, "{label}: hound samples");
        }
    }
    let sessions = s.sessions();
    assert_eq!(sessions.len(), LAYOUTS.len());
    let first = &sessions[0];
    for key in ["id", "participant", "started", "duration_ms", "sample_rate", "channels", "dropped_frames"] {
        assert!(first.get(key).is_some(), "sessions --json lacks {key}: {first}");
    }
    assert_eq!(first["duration_ms"], 2300);
    assert_eq!(first["sample_rate"], 48000);
    assert_eq!(first["participant"], "P01");
}

#[test]
fn the_standard_age_cli_decrypts_with_the_exported_key_and_ffmpeg_reads_the_audio() {
    let s = Scratch::new();
    let src = s.path("in.wav");
    make_wav(&src, LAYOUTS[0].0, "1.5");
    let id = s.import(&src);
    let key = s.path("p01.key");
    let out = ok(verbatim().args(["key", "export"]).arg(s.project()).args(["--participant", "P01", "-o"]).arg(&key));
    assert!(String::from_utf8_lossy(&out.stderr).contains("UNENCRYPTED"), "export must warn");
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);

    let audio = s.session_dir(&id).join("audio.wav.age");
    let plain = s.path("via-age.wav");
    tool("age", &["-d", "-i", key.to_str().unwrap(), "-o", plain.to_str().unwrap(), audio.to_str().unwrap()]);
    let ff = tool("ffmpeg", &["-v", "error", "-i", plain.to_str().unwrap(), "-f", "s16le", "-"]);
    assert!(ff == wav_data(&src), "ffmpeg must read the same PCM from the age -d output");
    let sox = tool("sox", &["-V1", plain.to_str().unwrap(), "-t", "raw", "-"]);
    assert!(sox == wav_data(&src), "sox must read the same PCM from the age -d output");

    // Metadata opens with the same key, and holds the participant code.
    let meta = s.session_dir(&id).join("session.json.age");
    let json = tool("age", &["-d", "-i", key.to_str().unwrap(), meta.to_str().unwrap()]);
    let meta: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(meta["participant"], "P01");

    // Another participant's key opens nothing of P01's.
    ok(verbatim().args(["participant", "add"]).arg(s.project()).arg("P02"));
    let key2 = s.path("p02.key");
    ok(verbatim().args(["key", "export"]).arg(s.project()).args(["--participant", "P02", "-o"]).arg(&key2));
    let refused = std::process::Command::new("age").args(["-d", "-i"]).arg(&key2).arg(&audio).output().unwrap();
    assert!(!refused.status.success() && refused.stdout.is_empty());
}

#[test]
fn compressed_formats_import_without_resampling() {
    let s = Scratch::new();
    let src = s.path("src.wav");
    make_wav(&src, &["-r", "44100", "-b", "16", "-c", "1", "-e", "signed-integer"], "3");
    let src24 = s.path("src24.wav");
    make_wav(&src24, &["-r", "48000", "-b", "24", "-c", "2", "-e", "signed-integer"], "2");
    let cases: &[(&str, &[&str], &std::path::Path, bool)] = &[
        ("a.flac", &["-c:a", "flac"], &src, true),
        ("b.flac", &["-c:a", "flac", "-sample_fmt", "s32"], &src24, true),
        ("c.mp3", &["-c:a", "libmp3lame", "-b:a", "128k"], &src, false),
        ("d.m4a", &["-c:a", "aac", "-b:a", "128k"], &src, false),
        ("e.ogg", &["-c:a", "libvorbis", "-q:a", "5"], &src, false),
    ];
    for (name, codec, from, lossless) in cases {
        let file = s.path(name);
        let mut args = vec!["-v", "error", "-i", from.to_str().unwrap()];
        args.extend_from_slice(codec);
        args.push(file.to_str().unwrap());
        tool("ffmpeg", &args);
        let id = s.import(&file);
        let out = s.path(&format!("{name}.wav"));
        ok(verbatim().arg("decrypt").arg(s.project()).arg(&id).arg("-o").arg(&out));
        let spec_in = hound::WavReader::open(from).unwrap().spec();
        let spec_out = hound::WavReader::open(&out).unwrap().spec();
        assert_eq!(spec_out.sample_rate, spec_in.sample_rate, "{name}: rate must not change");
        assert_eq!(spec_out.channels, spec_in.channels, "{name}: channels");
        if *lossless {
            assert!(wav_data(&out) == wav_data(from), "{name}: FLAC must decode bit-exact");
        } else {
            // Lossy: same length within 50 ms, and the waveform matches ffmpeg's own decode.
            let frames_in = hound::WavReader::open(from).unwrap().duration() as f64;
            let frames_out = hound::WavReader::open(&out).unwrap().duration() as f64;
            assert!(
                (frames_out - frames_in).abs() < 0.05 * f64::from(spec_in.sample_rate),
                "{name}: {frames_in} vs {frames_out} frames"
            );
            let ours: Vec<f32> = hound::WavReader::open(&out).unwrap().samples::<f32>().map(|x| x.unwrap()).collect();
            let reference: Vec<i16> =
                hound::WavReader::open(from).unwrap().samples::<i16>().map(|x| x.unwrap()).collect();
            let best = best_correlation(&ours, &reference);
            assert!(best > 0.9, "{name}: decoded audio does not resemble the source (r = {best:.3})");
        }
    }
}

/// Highest normalised correlation of `ours` against `reference` over lags of up to 2048 samples
/// (decoders add a few samples of delay), on the first quarter second.
fn best_correlation(ours: &[f32], reference: &[i16]) -> f64 {
    let n = ours.len().min(reference.len());
    (0..2048usize)
        .map(|lag| {
            let (mut dot, mut a2, mut b2) = (0f64, 0f64, 0f64);
            for i in 0..(n - lag).min(11_025) {
                let a = f64::from(ours[i + lag]);
                let b = f64::from(reference[i]) / 32768.0;
                dot += a * b;
                a2 += a * a;
                b2 += b * b;
            }
            dot / (a2.sqrt() * b2.sqrt())
        })
        .fold(0.0, f64::max)
}

#[test]
fn import_records_when_the_interview_took_place_and_ids_sort_by_it() {
    let s = Scratch::new();
    let src = s.path("in.wav");
    make_wav(&src, LAYOUTS[0].0, "0.2");
    for started in ["2026-11-20T14:05:00+01:00", "2026-11-19T09:00:00-05:00"] {
        ok(verbatim().arg("import").arg(s.project()).arg(&src).args(["--participant", "P01", "--started", started]));
    }
    let sessions = s.sessions();
    let ids: Vec<&str> = sessions.iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["20261119T140000Z-P01", "20261120T130500Z-P01"], "UTC ids, sorted by start time");
    assert_eq!(sessions[1]["started"], "2026-11-20T14:05:00+01:00", "the offset given is kept");
    // Two sessions in the same second get a suffix that no participant code can contain.
    ok(verbatim().arg("import").arg(s.project()).arg(&src).args([
        "--participant",
        "P01",
        "--started",
        "2026-11-20T14:05:00+01:00",
    ]));
    assert_eq!(s.sessions()[2]["id"], "20261120T130500Z-P01.2");
}
