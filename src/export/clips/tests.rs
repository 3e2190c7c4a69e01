// Frame ranges in arrays are what the code under test takes, not a mistyped array of numbers.
#![allow(clippy::single_range_in_vec_init)]

use super::*;
use crate::audio::store::EncryptedAudioWriter;
use crate::export::document::{AnalysisInfo, ExportMarker, SessionInfo};
use crate::model::Speaker;
use crate::model::transcript::tokens_from_text;
use crate::session::SessionState;

fn seg(start_ms: u64, end_ms: u64, speaker: Option<&str>, text: &str) -> ExportSegment {
    let code = "P07".parse().unwrap();
    let speaker = speaker.map(|label| Speaker::from_label(label, &code));
    ExportSegment {
        span: Span::ms(start_ms, end_ms),
        speaker_label: speaker.as_ref().map(|s| s.short_label(&code).into_owned()),
        speaker,
        tokens: tokens_from_text(text),
        anonymised: false,
    }
}

fn pause(start_ms: u64, end_ms: u64) -> Pause {
    Pause::from(Span::ms(start_ms, end_ms))
}

fn marker(kind: MarkerKind, at_ms: u64) -> ExportMarker {
    ExportMarker { kind, at: Ms(at_ms), end: None, note: None, speaker: None, question: None, off_tape: None }
}

fn span(start_ms: u64, end_ms: u64) -> Span {
    Span::ms(start_ms, end_ms)
}

fn doc(segments: Vec<ExportSegment>, markers: Vec<ExportMarker>, anonymised: Vec<Pause>) -> SessionDocument {
    SessionDocument {
        draft: None,
        speakers: None,
        format: "verbatim-session",
        format_version: 1,
        generator: "test".into(),
        session: SessionInfo {
            id: "20261120T090000Z-P07".parse().unwrap(),
            participant: "P07".parse().unwrap(),
            started: "2026-11-20T10:00:00+01:00".into(),
            ended: None,
            duration: Ms(10_000),
            state: SessionState::Complete,
            source: "import",
            sample_rate: 48_000,
            channels: 1,
            dropped: Ms::ZERO,
        },
        analysis: AnalysisInfo { version: 1, noise_floor_db: -60.0, speech_level_db: -20.0, speech: Ms::ZERO },
        pauses: Vec::new(),
        micro_pauses: Vec::new(),
        segments,
        markers,
        guide: None,
        anonymised,
        warnings: Vec::new(),
    }
}

/// Three segments with a 500 ms pause and a 3 s pause between them.
fn three() -> Vec<ExportSegment> {
    vec![seg(1_000, 3_000, None, "a"), seg(3_500, 8_000, None, "b"), seg(11_000, 14_000, None, "c")]
}

#[test]
fn a_marker_points_into_its_segment_the_one_before_a_pause_or_the_first() {
    let s = three();
    // Inside, more than the reaction time after the previous segment ended.
    assert_eq!(pointed_segments(&s, Ms(6_000)), Some(1..=1));
    assert_eq!(marker_span(&s, Ms(6_000)), span(3_500, 8_000));
    // Inside, just after it began: the segment before is meant too (as for identifying marks).
    assert_eq!(pointed_segments(&s, Ms(4_000)), Some(0..=1));
    assert_eq!(marker_span(&s, Ms(4_000)), span(1_000, 8_000));
    // In the 3 s pause: the segment before it.
    assert_eq!(pointed_segments(&s, Ms(9_500)), Some(1..=1));
    assert_eq!(marker_span(&s, Ms(9_500)), span(3_500, 8_000));
    // On a segment's first millisecond: that segment (and the previous, 3 s back, is too far).
    assert_eq!(marker_span(&s, Ms(11_000)), span(11_000, 14_000));
    // Before the first segment: the first one.
    assert_eq!(pointed_segments(&s, Ms(200)), Some(0..=0));
    assert_eq!(marker_span(&s, Ms(200)), span(1_000, 3_000));
    // After the last: the last one.
    assert_eq!(marker_span(&s, Ms(20_000)), span(11_000, 14_000));
    // No segments (silent audio): the marker instant itself.
    assert_eq!(pointed_segments(&[], Ms(5_000)), None);
    assert_eq!(marker_span(&[], Ms(5_000)), span(5_000, 5_000));
}

#[test]
fn clips_are_padded_clamped_numbered_and_in_frames() {
    let mut quote = marker(MarkerKind::Quote, 12_000);
    quote.note = Some("ring back".into());
    let d = doc(three(), vec![marker(MarkerKind::Quote, 200), marker(MarkerKind::Laughter, 6_000), quote], Vec::new());
    // 15 s of 48 kHz audio.
    let clips = plan(&d, MarkerKind::Quote, Ms(2_000), 48_000, 720_000);
    assert_eq!(clips.len(), 2, "only quotes");
    // 1000..3000 padded to -1000..5000, clamped at the start of the audio.
    assert_eq!((clips[0].number, clips[0].span), (1, span(0, 5_000)));
    assert_eq!(clips[0].frames, 0..240_000);
    // 11000..14000 padded to 9000..16000, clamped at the end (15 s).
    assert_eq!((clips[1].number, clips[1].span), (2, span(9_000, 15_000)));
    assert_eq!(clips[1].frames, 432_000..720_000);
    assert_eq!(clips[1].note.as_deref(), Some("ring back"));
    assert_eq!(clips[1].marker, Ms(12_000));
    assert_eq!(clips[1].file_stem("S", MarkerKind::Quote), "S-quote-02-00h00m09s");
    // No padding: exactly the segment. At 44.1 kHz, 1 ms is 44.1 frames.
    let clips = plan(&d, MarkerKind::Laughter, Ms(0), 44_100, 44_100 * 15);
    assert_eq!(clips[0].span, span(3_500, 8_000));
    assert_eq!(clips[0].frames, 154_350..352_800);
    // No segments: marker ± pad.
    let silent = doc(Vec::new(), vec![marker(MarkerKind::Sigh, 4_000)], Vec::new());
    let clips = plan(&silent, MarkerKind::Sigh, Ms(1_500), 16_000, 16_000 * 10);
    assert_eq!((clips[0].span, clips[0].frames.clone()), (span(2_500, 5_500), 40_000..88_000));
    assert!(plan(&silent, MarkerKind::Quote, Ms(1_500), 16_000, 160_000).is_empty());
    // A marker past the end of the audio gives an empty clip at the end, not a panic.
    let past = doc(Vec::new(), vec![marker(MarkerKind::Note, 30_000)], Vec::new());
    let clips = plan(&past, MarkerKind::Note, Ms(1_000), 16_000, 160_000);
    assert_eq!(clips[0].frames, 160_000..160_000);
}

#[test]
fn redaction_covers_whole_frames_at_44_1_and_48_khz() {
    let spans = [pause(1_001, 2_001), pause(5_000, 6_000)];
    // 44.1 kHz: 1001 ms is frame 44144.1, so the frame holding it (44144) goes; 2001 ms is
    // 88244.1, so frame 88244 goes too and silence ends before 88245.
    assert_eq!(redaction(&spans, 0..1_000_000, 44_100), [44_144..88_245, 220_500..264_600]);
    assert_eq!(redaction(&spans, 0..1_000_000, 48_000), [48_048..96_048, 240_000..288_000]);
    // Cut to the clip; spans outside it are dropped.
    assert_eq!(redaction(&spans, 60_000..250_000, 48_000), [60_000..96_048, 240_000..250_000]);
    assert_eq!(redaction(&spans, 100_000..200_000, 48_000), Vec::<Range<u64>>::new());
    // Through plan: the clip of a quote next to an identifying passage.
    let d = doc(three(), vec![marker(MarkerKind::Quote, 6_000)], vec![pause(11_000, 14_000), pause(7_000, 7_500)]);
    let clip = &plan(&d, MarkerKind::Quote, Ms(2_000), 48_000, 48_000 * 20)[0];
    assert_eq!(clip.frames, 72_000..480_000);
    assert_eq!(clip.silence, [336_000..360_000]);
    assert_eq!(clip.silenced_frames(), 24_000);
}

#[test]
fn silence_is_128_for_8_bit_and_0_otherwise_on_the_right_frames() {
    let spec8 = AudioSpec { sample_rate: 8_000, channels: 1, bits_per_sample: 8, sample_format: SampleFormat::Int };
    let spec16 = AudioSpec { sample_rate: 48_000, channels: 2, bits_per_sample: 16, sample_format: SampleFormat::Int };
    let float = AudioSpec { sample_rate: 48_000, channels: 1, bits_per_sample: 32, sample_format: SampleFormat::Float };
    assert_eq!((silence_byte(&spec8), silence_byte(&spec16), silence_byte(&float)), (128, 0, 0));

    // Frames 100..110 of 8-bit mono; silence 103..105 and 109..200.
    let mut pcm = [7u8; 10];
    apply_silence(&mut pcm, 100, &[103..105, 109..200, 0..50], &spec8);
    assert_eq!(pcm, [7, 7, 7, 128, 128, 7, 7, 7, 7, 128]);
    // 16-bit stereo: 4 bytes a frame; frames 10..13, silence 11..12.
    let mut pcm = [9u8; 12];
    apply_silence(&mut pcm, 10, &[11..12], &spec16);
    assert_eq!(pcm, [9, 9, 9, 9, 0, 0, 0, 0, 9, 9, 9, 9]);
}

#[test]
fn padding_parses_seconds_and_milliseconds() {
    assert_eq!(parse_pad("2s").unwrap(), Ms(2_000));
    assert_eq!(parse_pad("1.5s").unwrap(), Ms(1_500));
    assert_eq!(parse_pad("500ms").unwrap(), Ms(500));
    assert_eq!(parse_pad("0").unwrap(), Ms(0));
    assert_eq!(parse_pad("0s").unwrap(), Ms(0));
    assert_eq!(parse_pad(" 3 ").unwrap(), Ms(3_000));
    assert_eq!(parse_pad("600s").unwrap(), Ms(600_000));
    // One grammar for every length: minutes read too.
    assert_eq!(parse_pad("2m").unwrap(), Ms(120_000));
    for bad in ["", "s", "-1s", "11m", "soon", "inf", "NaN", "1e3ms", "601s", "1..5s"] {
        let err = parse_pad(bad).unwrap_err().to_string();
        assert!(err.contains("500ms"), "{bad:?} should be refused: {err}");
    }
}

#[test]
fn kinds_parse_with_dashes_and_identifying_is_refused() {
    assert_eq!(parse_kind("quote").unwrap(), MarkerKind::Quote);
    assert_eq!(parse_kind("follow-up").unwrap(), MarkerKind::FollowUp);
    assert_eq!(parse_kind("Follow_Up").unwrap(), MarkerKind::FollowUp);
    assert_eq!(parse_kind("long-pause").unwrap(), MarkerKind::LongPause);
    let err = parse_kind("smile").unwrap_err().to_string();
    assert_eq!(
        err,
        "unknown marker kind \"smile\"; choose one of: quote, follow_up, note, laughter, sigh, long_pause, question"
    );
    assert!(matches!(parse_kind("gap"), Err(ClipError::UnknownKind { .. })));
    assert!(matches!(parse_kind("identifying"), Err(ClipError::IdentifyingKind)));
    assert_eq!(MarkerKind::FollowUp.name(), "follow_up");
}

#[test]
fn the_excerpt_withholds_anonymised_text_and_marks_empty_segments() {
    use crate::export::convention::{Convention, Lang};
    use crate::export::formats::excerpt;
    use crate::export::skeleton::{self, Credits};
    let mut segments = vec![
        seg(500, 2_000, Some("I"), "Fortell om jobben."),
        seg(3_600_500, 3_602_000, Some("P07"), ""),
        seg(3_603_000, 3_605_000, None, "Og så?"),
        seg(3_606_000, 3_608_000, Some("P07"), ""),
    ];
    segments[3].anonymised = true;
    let d = doc(segments, Vec::new(), Vec::new());
    let plain = Convention::load("plain").unwrap();
    let credits = Credits::default();
    let sk = skeleton::build(&d, &plain, Lang::En, &credits);
    assert_eq!(
        excerpt(&sk, &plain, span(1_999, 3_607_000)).as_str(),
        // One-to-one with the interviewer known: the unattributed turn is the participant's.
        "[00:00:00] I: Fortell om jobben.\n[01:00:00] P07: ___\n[01:00:03] P07: Og så?\n[01:00:06] P07: [anonymised]\n"
    );
    assert_eq!(excerpt(&sk, &plain, span(2_000, 3_600_500)).as_str(), "", "touching is not overlapping");

    let mut note = marker(MarkerKind::Note, 3_601_000);
    note.note = Some("spør om nattevakter".into());
    let d = doc(d.segments.clone(), vec![note], vec![pause(3_606_000, 3_608_000)]);
    let clip = &plan(&d, MarkerKind::Note, Ms(1_000), 16_000, 16_000 * 3_700)[0];
    let sk = skeleton::build(&d, &plain, Lang::Nb, &credits);
    let text = clip_text(&d, MarkerKind::Note, clip, &excerpt(&sk, &plain, clip.span), Lang::Nb);
    assert_eq!(
        text.as_str(),
        "Økt: 20261120T090000Z-P07\nDeltaker: P07\nType: notat\nMarkør ved: 01:00:01.0\n\
         Klipp: 00:59:59.5–01:00:03.0\nNotat: spør om nattevakter\n\nTranskripsjon:\n\
         [01:00:00] P07: ___ [spør om nattevakter] ___\n"
    );
}

/// An encrypted 8-bit mono recording of `frames` frames whose sample at frame i is `i % 100 + 1`.
fn recording(dir: &Path, frames: u64) -> (crypto::Identity, PathBuf, Vec<u8>) {
    let id = crypto::generate_identity();
    let path = dir.join("audio.wav.age");
    let spec = AudioSpec { sample_rate: 8_000, channels: 1, bits_per_sample: 8, sample_format: SampleFormat::Int };
    let pcm: Vec<u8> = (0..frames).map(|i| (i % 100 + 1) as u8).collect();
    let mut w = EncryptedAudioWriter::create(&path, &id.to_public(), spec).unwrap();
    w.write_pcm(&pcm).unwrap();
    w.finish().unwrap();
    (id, path, pcm)
}

#[test]
fn a_clip_is_a_complete_wav_with_its_silence_sealed_or_plain() {
    let dir = tempfile::tempdir().unwrap();
    let (id, audio, pcm) = recording(dir.path(), 200_000);
    let mut reader = EncryptedAudioReader::open(&audio, &id).unwrap();
    // 99,999 frames: odd, so the data chunk needs its pad byte; the buffer is reused, and is
    // smaller than the clip, so several reads cross the silence boundaries.
    let clip = Clip {
        number: 1,
        marker: Ms(0),
        note: None,
        span: span(0, 0),
        frames: 70_001..170_000,
        silence: vec![80_000..90_000, 169_990..170_000],
    };
    let mut buf = Zeroizing::new(vec![0u8; 4_096]);
    let plain = dir.path().join("clip.wav");
    write_clip(&mut reader, &clip, &plain, Sealing::Plaintext, &mut buf).unwrap();
    let bytes = std::fs::read(&plain).unwrap();
    assert_eq!(bytes.len() % 2, 0, "word-aligned RIFF");
    let mut wav = hound::WavReader::new(std::io::Cursor::new(&bytes)).unwrap();
    assert_eq!((wav.spec().bits_per_sample, wav.spec().sample_rate), (8, 8_000));
    assert_eq!(wav.duration(), 99_999);
    // hound reads 8-bit PCM as signed: stored byte minus 128, so silence reads 0.
    let samples: Vec<i8> = wav.samples::<i8>().map(Result::unwrap).collect();
    for (i, sample) in samples.iter().enumerate() {
        let frame = 70_001 + i;
        let silenced = (80_000..90_000).contains(&frame) || frame >= 169_990;
        let expected = if silenced { 0 } else { pcm[frame] as i16 - 128 };
        assert_eq!(i16::from(*sample), expected, "frame {frame}");
    }
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777, 0o600);

    // Sealed: the same bytes inside the age file.
    let recipient = id.to_public();
    let sealed = dir.path().join("clip.wav.age");
    write_clip(&mut reader, &clip, &sealed, Sealing::Encrypted(&recipient), &mut buf).unwrap();
    let ciphertext = std::fs::read(&sealed).unwrap();
    assert!(ciphertext.starts_with(b"age-encryption.org/v1\n"));
    assert_eq!(&crypto::decrypt_bytes(&id, &ciphertext, &sealed).unwrap()[..], &bytes[..]);

    // An existing file is never replaced, nor removed.
    let err = write_clip(&mut reader, &clip, &sealed, Sealing::Plaintext, &mut buf).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&sealed).unwrap(), ciphertext);

    // Audio that ends before the clip (it changed under us): an error, and no partial file.
    let long = Clip { frames: 199_000..201_000, ..clip };
    let cut = dir.path().join("cut.wav");
    let err = write_clip(&mut reader, &long, &cut, Sealing::Plaintext, &mut buf).unwrap_err();
    assert!(matches!(err, ClipError::ShortAudio { at: 200_000, .. }), "{err}");
    assert!(!cut.exists(), "the partial clip is removed");
}
