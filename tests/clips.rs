//! `verbatim clips` through the real binary: encrypted clips that the standard `age` tool opens,
//! sample-exact audio with identifying passages silenced, plaintext clips that ffprobe and sox
//! read, excerpts without anonymised text, and refusals that write nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;
use verbatim::model::transcript::tokens_from_text;
use verbatim::model::{Mark, Marker, Segment, Span, Speaker, Transcript};
use verbatim::project::Project;
use verbatim::session::markers::{MARKERS_FILE, MarkerLog};
use verbatim::session::transcript;
use verbatim::store;

const RATE: u32 = 16_000;
/// Said in the identifying segment; no clip may contain it.
const SECRET: &str = "Kvitsoyholmen";
const QUOTE: &str = "Det var tungt å gå på nattevakt.";

/// 20 s of deterministic noise at 16 kHz, never exactly 0, so silence in a clip can only be ours.
fn source_samples() -> Vec<i16> {
    let mut x: u32 = 0x1234_5678;
    (0..20 * RATE)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let s = ((x >> 16) as i16) / 4;
            if s == 0 { 1 } else { s }
        })
        .collect()
}

/// A project with one imported session holding a transcript and markers:
/// segments 1.0-3.5 s (I), 5.0-9.0 s (the quote), 10.0-12.0 s (identifying), 13.0-16.0 s (empty);
/// quotes at 6.0 s (with a note) and 14.5 s, an identifying marker at 11.5 s.
fn setup() -> (Scratch, String, Vec<i16>) {
    let s = Scratch::new();
    let samples = source_samples();
    let wav = s.path("noise.wav");
    let spec =
        hound::WavSpec { channels: 1, sample_rate: RATE, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(&wav, spec).unwrap();
    for &x in &samples {
        w.write_sample(x).unwrap();
    }
    w.finalize().unwrap();
    let id = s.import(&wav);

    let recipient = Project::open(&s.project()).unwrap().participant_recipient(&code("P01")).unwrap();
    let seg = |start_ms, end_ms, speaker: &str, text: &str| Segment {
        span: Span::ms(start_ms, end_ms),
        speaker: Some(Speaker::from_label(speaker, &code("P01"))),
        speaker_fixed: false,
        tokens: tokens_from_text(text),
        done: !text.is_empty(),
        identifying: false,
    };
    let transcript = Transcript {
        segments: vec![
            seg(1_000, 3_500, "I", "Fortell om jobben."),
            seg(5_000, 9_000, "P01", QUOTE),
            seg(10_000, 12_000, "P01", &format!("Jeg vokste opp på {SECRET}.")),
            seg(13_000, 16_000, "P01", ""),
        ],
    };
    let dir = s.session_dir(&id);
    transcript::write(&dir, &recipient, &transcript).unwrap();
    let at = |mark, ms: u64| Marker::at(mark, ms * u64::from(RATE) / 1000, RATE);
    let quote = at(Mark::Quote, 6_000);
    let log = MarkerLog {
        version: verbatim::session::markers::MARKERS_VERSION,
        markers: vec![quote, at(Mark::Identifying, 11_500), at(Mark::Quote, 14_500)],
    };
    store::write(&dir.join(MARKERS_FILE), &recipient, &log).unwrap();
    (s, id, samples)
}

fn clips(s: &Scratch, id: &str, out: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = verbatim();
    cmd.arg("clips").arg(s.project()).arg(id).arg("-o").arg(out).args(extra);
    cmd
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn has(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn samples_of(wav: &[u8]) -> (hound::WavSpec, Vec<i16>) {
    let mut reader = hound::WavReader::new(std::io::Cursor::new(wav)).expect("a readable WAV");
    let spec = reader.spec();
    (spec, reader.samples::<i16>().map(Result::unwrap).collect())
}

const F: usize = (RATE / 1000) as usize; // frames per ms

#[test]
fn quote_clips_are_encrypted_sample_exact_and_silent_where_identifying() {
    let (s, id, source) = setup();
    let out = s.path("out");
    let run = ok(&mut clips(&s, &id, &out, &["--kind", "quote", "--lang", "en"]));
    let stdout = String::from_utf8(run.stdout).unwrap();
    eprintln!("{stdout}{}", String::from_utf8_lossy(&run.stderr));
    let first = format!("{id}-quote-01-00h00m03s");
    let second = format!("{id}-quote-02-00h00m11s");
    assert_eq!(
        listing(&out),
        [
            format!("{first}.txt.age"),
            format!("{first}.wav.age"),
            format!("{second}.txt.age"),
            format!("{second}.wav.age")
        ]
    );
    assert!(stdout.contains(&format!("{first}.wav.age  00:00:03.0–00:00:11.0 (8.0 s), 1.0 s silenced")), "{stdout}");
    assert!(stdout.contains(&format!("{second}.wav.age  00:00:11.0–00:00:18.0 (7.0 s), 1.0 s silenced")), "{stdout}");
    assert!(stdout.contains("2 clips of quote markers") && stdout.contains("2.0 s of identifying audio"), "{stdout}");
    assert_eq!(mode(&out), 0o700);

    let key = s.path("p01.key");
    ok(verbatim().args(["key", "export"]).arg(s.project()).args(["--participant", "P01", "-o"]).arg(&key));
    let open = |name: &str| {
        let path = out.join(name);
        let sealed = std::fs::read(&path).unwrap();
        assert!(sealed.starts_with(b"age-encryption.org/v1\n"), "{name} is not an age file");
        assert_eq!(mode(&path), 0o600, "{name}");
        assert!(!has(&sealed, SECRET) && !has(&sealed, "RIFF"), "{name} holds plaintext");
        tool("age", &["-d", "-i", key.to_str().unwrap(), path.to_str().unwrap()])
    };

    // Clip 1: the quote's segment 5-9 s padded to 3-11 s; the identifying segment 10-12 s
    // overlaps its last second.
    let (spec, clip) = samples_of(&open(&format!("{first}.wav.age")));
    assert_eq!((spec.sample_rate, spec.channels, spec.bits_per_sample), (RATE, 1, 16));
    assert_eq!(clip.len(), 8_000 * F);
    assert_eq!(clip[..7_000 * F], source[3_000 * F..10_000 * F], "audio before the identifying passage is intact");
    let silent = &clip[7_000 * F..];
    assert_eq!(silent.iter().filter(|&&x| x == 0).count(), 1_000 * F, "all 16000 frames of 10-11 s are silent");
    assert!(source[10_000 * F..11_000 * F].iter().all(|&x| x != 0), "the source there is not silent");

    // Clip 2: the empty segment 13-16 s padded to 11-18 s; 11-12 s is identifying.
    let (_, clip) = samples_of(&open(&format!("{second}.wav.age")));
    assert_eq!(clip.len(), 7_000 * F);
    assert!(clip[..1_000 * F].iter().all(|&x| x == 0));
    assert_eq!(clip[1_000 * F..], source[12_000 * F..18_000 * F]);

    let text = String::from_utf8(open(&format!("{first}.txt.age"))).unwrap();
    eprintln!("{text}");
    assert!(text.contains(&format!("Session: {id}\nParticipant: P01\nKind: key quote\n")), "{text}");
    // Only note markers carry a note (a typed payload, not an option on every marker); the
    // note line is tested with note clips in src/export/clips/tests.rs.
    assert!(text.contains("Clip: 00:00:03.0–00:00:11.0\nIdentifying passages"), "{text}");
    assert!(text.contains(&format!("[00:00:05] P01: {QUOTE}\n[00:00:10] P01: [anonymised]\n")), "{text}");
    // The interviewer's segment (1.0-3.5 s) overlaps the padded start, so it is in the excerpt.
    assert!(text.contains("Transcript:\n[00:00:01] I: Fortell om jobben.\n[00:00:05]"), "{text}");
    let text = String::from_utf8(open(&format!("{second}.txt.age"))).unwrap();
    assert!(text.ends_with("[00:00:10] P01: [anonymised]\n[00:00:13] P01: ___\n"), "{text}");
    for name in listing(&out) {
        assert!(!has(&open(&name), SECRET), "{name} holds the identifying text");
    }
}

#[test]
fn plaintext_clips_are_standard_wav_files_with_a_warning() {
    let (s, id, source) = setup();
    let out = s.path("plain");
    let run = ok(&mut clips(&s, &id, &out, &["--kind", "quote", "--pad", "500ms", "--plaintext"]));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(stderr.contains("UNENCRYPTED") && stderr.contains("P01's voice"), "{stderr}");
    let first = out.join(format!("{id}-quote-01-00h00m04s.wav"));
    // 5-9 s padded by 0.5 s: 5.0 s.
    let ffprobe = tool(
        "ffprobe",
        &["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", first.to_str().unwrap()],
    );
    assert_eq!(String::from_utf8(ffprobe).unwrap().trim(), "5.000000");
    let sox = tool("sox", &["--i", "-s", first.to_str().unwrap()]);
    assert_eq!(String::from_utf8(sox).unwrap().trim(), "80000");
    assert_eq!(mode(&first), 0o600);
    let (_, clip) = samples_of(&std::fs::read(&first).unwrap());
    assert_eq!(clip, source[4_500 * F..9_500 * F], "nothing silenced: no identifying passage in 4.5-9.5 s");
    let second = out.join(format!("{id}-quote-02-00h00m12s.wav"));
    let sox = tool("sox", &["--i", "-D", second.to_str().unwrap()]);
    assert_eq!(String::from_utf8(sox).unwrap().trim(), "4.000000");
    let text = std::fs::read_to_string(out.join(format!("{id}-quote-01-00h00m04s.txt"))).unwrap();
    assert!(text.contains(QUOTE) && !text.contains("[anonymis"), "{text}");
    assert!(text.starts_with(&format!("Økt: {id}\nDeltaker: P01\nType: sitat\n")), "labels in nb by default: {text}");
    for name in listing(&out) {
        assert!(!has(&std::fs::read(out.join(&name)).unwrap(), SECRET), "{name}");
    }
}

#[test]
fn refusals_write_nothing_and_say_why() {
    let (s, id, _) = setup();
    // A target that exists: refused before anything is written, the file untouched.
    let out = s.path("busy");
    std::fs::create_dir(&out).unwrap();
    let taken = out.join(format!("{id}-quote-02-00h00m11s.txt.age"));
    std::fs::write(&taken, b"mine").unwrap();
    let err = fails(&mut clips(&s, &id, &out, &["--kind", "quote"]));
    assert!(err.contains(&taken.display().to_string()) && err.contains("nothing was written"), "{err}");
    assert_eq!(listing(&out), [taken.file_name().unwrap().to_string_lossy().into_owned()]);
    assert_eq!(std::fs::read(&taken).unwrap(), b"mine");

    // Unknown and refused kinds, before any passphrase is asked.
    let fresh = s.path("fresh");
    let out = clips(&s, &id, &fresh, &["--kind", "smile"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("smile") && err.contains("quote, follow_up, note, laughter, sigh, long_pause, question"),
        "{err}"
    );
    let err = fails(&mut clips(&s, &id, &fresh, &["--kind", "identifying"]));
    assert!(err.contains("silenced in every clip"), "{err}");
    // One grammar for every length: 2m is two minutes, 11m is over the 10-minute limit.
    let err = fails(&mut clips(&s, &id, &fresh, &["--kind", "quote", "--pad", "11m"]));
    assert!(err.contains("500ms"), "{err}");

    // No markers of the kind: said, exit 0, nothing created.
    let run = ok(&mut clips(&s, &id, &fresh, &["--kind", "follow-up"]));
    assert!(String::from_utf8_lossy(&run.stdout).contains("no follow_up markers"));
    assert!(!fresh.exists());

    // Unknown session, wrong passphrase.
    let err = fails(&mut clips(&s, "20990101T000000Z-P01", &fresh, &["--kind", "quote"]));
    assert!(err.contains("20990101T000000Z-P01"), "{err}");
    let err = fails(clips(&s, &id, &fresh, &["--kind", "quote"]).env("VERBATIM_PASSPHRASE", "wrong"));
    assert!(err.contains("wrong passphrase"), "{err}");

    // A recording cut off mid-write: names the file and `verbatim recover`; no clips.
    let audio = s.session_dir(&id).join("audio.wav.age");
    let sealed = std::fs::read(&audio).unwrap();
    std::fs::write(&audio, &sealed[..sealed.len() / 2]).unwrap();
    let err = fails(&mut clips(&s, &id, &fresh, &["--kind", "quote"]));
    assert!(err.contains("audio.wav.age") && err.contains("verbatim recover"), "{err}");
    assert!(!fresh.exists());
}

/// A small tmpfs for the disk-full case (needs root, as CI and the development machines run).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(at: &Path, size: &str) -> Self {
        std::fs::create_dir_all(at).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(at)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "this test mounts a tmpfs and must run as root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk(at.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_leaves_no_clip_behind() {
    let (s, id, _) = setup();
    // Room for the first clip (8 s of 16-bit 16 kHz audio: 256 kB), not for the second.
    let disk = SmallDisk::mount(&s.path("disk"), "300k");
    let out = disk.0.join("clips");
    let err = fails(&mut clips(&s, &id, &out, &["--kind", "quote"]));
    eprintln!("{err}");
    assert!(err.contains(&format!("{id}-quote-02-00h00m11s.wav.age")) && err.contains("the disk is full"), "{err}");
    assert!(err.contains("writing clip 2 of 2") && err.contains("2 files written before it were removed"), "{err}");
    assert!(!out.exists(), "the folder it created is gone too");
    assert_eq!(listing(&disk.0), Vec::<String>::new());
}
