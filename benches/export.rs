//! Benchmarks of `verbatim export --all-formats` on a one-hour interview, against the goal
//! "all formats for a 1 h interview in at most 2 s, including analysis", with ffmpeg's
//! `silencedetect` on the same hour as a peer, in the same run.
//!
//! The session: an hour of 48 kHz mono 16-bit audio (the office fixture,
//! `tests/fixtures/analysis/office.flac`, resampled by sox and looped) written through the real
//! encrypted writer to a fresh identity; metadata with a six-question guide; 120 markers of every
//! kind spread over the hour (12 questions, 12 speaker keys, laughter, sighs, quotes, notes with
//! text, follow-ups, long pauses, 3 identifying, a recording pause and a gap); a transcript of the
//! analysis' segments with every other one typed (about 150 characters of invented Norwegian
//! with review tags such as `[laughter]` and `[inaudible 00:10:00]`). Outputs use the `plain`
//! convention in Norwegian (`nb`), and each is encrypted to the participant as the CLI does.
//!
//! * `export_1h/all_formats_with_analysis`: open and analyse the encrypted audio
//!   (`verbatim::analysis::analyze`, decryption included), build the document, render the 9
//!   formats and encrypt each to the recipient. The goal's figure. Not included: reading the
//!   small sealed metadata, marker and transcript files, and writing the outputs to disk.
//! * `export_1h/analysis_only`: the analysis alone (what the CLI's analysis cache saves).
//! * `export_1h/render_all_formats`: build the document, render the 9 formats and encrypt
//!   each, from the precomputed analysis.
//! * `export_1h/build_document`: `verbatim::export::build` alone.
//! * `export_1h/build_skeleton`: the convention's layout of the document, which every format
//!   but JSON builds again for itself.
//! * `export_1h/render/<format>`: one format rendered and encrypted, from a built document.
//! * `export_1h/ffmpeg_silencedetect`: ffmpeg with `-threads 1` and
//!   `-af silencedetect=n=-40dB:d=0.2 -f null -` on the same hour as a plaintext WAV, from
//!   process start to exit: the closest thing a researcher would otherwise run.
//!
//! Criterion's throughput is in seconds of audio per second. After its report the bench prints
//! the medians, the goal check, the ratio to ffmpeg and the size of each output for the hour.
//!
//! The goal is for one core: build first, then run pinned (children inherit the affinity, so
//! ffmpeg gets the same core; needs `sox` and `ffmpeg`, see scripts/system-packages):
//! `cargo bench --bench export --no-run && taskset -c 0 cargo bench --bench export`.
//!
//! Under `cargo test --benches` (criterion's test mode) the hour shrinks to 2 minutes, each
//! benchmark runs once, and the outputs are checked: every format is non-empty, the text has
//! one pause mark per pause outside the anonymised passages, the EAF has a tier per speaker plus
//! three, and the sealed text decrypts to the plain one.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use support::audio::{
    SECONDS_PER_HOUR, SPEED_NOISE_DB, analyze_file, finish_ffmpeg, looped_fixture, median, must, spawn_silencedetect,
    timed, write_encrypted, write_wav,
};
use verbatim::analysis::Analysis;
use verbatim::analysis::segments::fresh_transcript;
use verbatim::audio::wav::{AudioSpec, SampleFormat};
use verbatim::crypto::{self, Identity, Recipient};
use verbatim::export::convention::{Convention, Lang};
use verbatim::export::skeleton::{self, Credits};
use verbatim::export::{self, ExportFormat, RenderOptions, SessionDocument};
use verbatim::guide::Guide;
use verbatim::model::transcript::tokens_from_text;
use verbatim::model::{Mark, Marker, Ms, QuestionRef, Speaker, Transcript};
use verbatim::session::{AudioSource, GuideSnapshot, SessionMeta, SessionState};

/// The goal for `all_formats_with_analysis`, one core, one hour.
const GOAL: Duration = Duration::from_secs(2);
const RATE: u32 = 48_000;
const PARTICIPANT: &str = "P07";
/// Markers over the session, whatever its length.
const MARKERS: usize = 120;
/// One identifying marker in this many: three in all.
const IDENTIFYING_EVERY: usize = 40;
/// Audio lost in the session's one gap, ms.
const GAP_MS: u64 = 340;
const GUIDE: &str = "# Arbeidsliv i helsesektoren\n\
    ## Hverdagen\n- Hvordan er en vanlig dag på jobb?\n- Hva er det vanskeligste?\n- Hvem jobber du mest med?\n\
    ## Endringer\n- Hva har endret seg de siste årene?\n- Hva tenker du om framtida?\n\
    ## Avslutning\n- Er det noe mer du vil si?\n";
/// (section, question) of each guide question, in order.
const QUESTIONS: [(usize, usize); 6] = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (2, 0)];
const NOTES: [&str; 4] =
    ["spør om nattskift", "sjekk navnet på avdelingen", "følg opp om lederen", "godt sitat om tillit"];
/// Typed text, about 150 characters each; `{t}` becomes a time in the segment.
const TEXTS: [&str; 5] = [
    "Jeg begynner klokka sju, og da er det rett på med rapporten [laughter] og så går dagen av seg selv, \
     slag i slag til vi er ferdige.",
    "Det vanskeligste er når vi er for få på jobb [sigh] og alle vil ha noe på en gang, da blir det \
     [inaudible {t}] og man rekker ikke noe.",
    "Nei, altså, jeg tror ikke det har endret seg så mye [overlap] men de nye systemene tar mer tid enn før, \
     det sier de fleste her.",
    "Vi snakker mye sammen i lunsjen, det er der ting blir bestemt egentlig [laughter] selv om det ikke står \
     i noen plan eller noe dokument.",
    "Framover håper jeg vi får flere faste stillinger, for det er slitsomt å lære opp nye hele tiden \
     [inaudible {t}] og det merker pasientene.",
];

/// Everything an export reads besides the audio and its analysis.
struct Session {
    meta: SessionMeta,
    guide: Guide,
    markers: Vec<Marker>,
    transcript: Transcript,
    recipient: Recipient,
    options: RenderOptions,
}

/// Session metadata: `seconds` of 48 kHz mono audio with the guide and the gap's lost frames.
fn meta(seconds: u64) -> SessionMeta {
    let started = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00+01:00").unwrap();
    SessionMeta {
        version: 1,
        id: must(format!("20261120T090000Z-{PARTICIPANT}").parse(), "a session id"),
        participant: must(PARTICIPANT.parse(), "a participant code"),
        started,
        ended: Some(started + chrono::Duration::seconds(seconds as i64 + 65)),
        state: SessionState::Complete,
        source: AudioSource::Recording { device: "USB mic".into() },
        audio: AudioSpec { sample_rate: RATE, channels: 1, bits_per_sample: 16, sample_format: SampleFormat::Int },
        frames: seconds * u64::from(RATE),
        dropped_frames: GAP_MS * u64::from(RATE) / 1000,
        guide: Some(GuideSnapshot { file_name: "guide.md".into(), text: GUIDE.into() }),
        recovery: None,
    }
}

/// [`MARKERS`] markers, one in each equal slot of the session at a varying point in it.
fn markers(duration_ms: u64) -> Vec<Marker> {
    let rest = [Mark::Laughter, Mark::Quote, Mark::Note(String::new()), Mark::Sigh, Mark::Laughter, Mark::FollowUp];
    let rest =
        [&rest[..], &[Mark::Quote, Mark::Note(String::new()), Mark::LongPause, Mark::Laughter, Mark::Sigh]].concat();
    let slot_ms = duration_ms / MARKERS as u64;
    let (mut questions, mut speakers, mut notes) = (0, 0, 0);
    (0..MARKERS)
        .map(|i| {
            let at_ms = i as u64 * slot_ms + (i as u64 * 7919 % 1000) * slot_ms / 1000;
            let mark = match i {
                _ if i % IDENTIFYING_EVERY == 17 => Mark::Identifying,
                52 => Mark::Paused { wall: Some(Ms(65_000)) },
                93 => Mark::Gap { lost: Some(Ms(GAP_MS)), cause: "input device lost".into() },
                _ if i % 10 == 0 => {
                    let (section, question) = QUESTIONS[questions * QUESTIONS.len() / (MARKERS / 10)];
                    questions += 1;
                    Mark::Question { question: QuestionRef { section, question }, text: None }
                }
                _ if i % 10 == 5 => {
                    speakers += 1;
                    Mark::Speaker(1 + (speakers - 1) % 2)
                }
                _ => match rest[i % rest.len()].clone() {
                    Mark::Note(_) => {
                        notes += 1;
                        Mark::Note(NOTES[(notes - 1) % NOTES.len()].into())
                    }
                    other => other,
                },
            };
            Marker::at(mark, at_ms * u64::from(RATE) / 1000, RATE)
        })
        .collect()
}

/// The analysis' segments as a transcriber left them: labelled `I` or the participant, and
/// every other one typed.
fn transcript(analysis: &Analysis, markers: &[Marker]) -> Transcript {
    let mut transcript = fresh_transcript(analysis, markers);
    for (i, segment) in transcript.segments.iter_mut().enumerate() {
        segment.speaker = Some(if i % 5 == 0 { Speaker::Interviewer } else { Speaker::Participant });
        if i % 2 == 0 {
            let inaudible = Ms((segment.span.start.0 + segment.span.end.0) / 2).to_string();
            segment.tokens = tokens_from_text(&TEXTS[i / 2 % TEXTS.len()].replace("{t}", &inaudible));
            segment.done = true;
        }
    }
    transcript
}

/// What one export wrote: each format's output, plain and sealed.
type Outputs = Vec<(ExportFormat, zeroize::Zeroizing<Vec<u8>>, Vec<u8>)>;

/// Renders one format and encrypts it to the participant, as `verbatim export` does.
fn render_sealed(
    format: ExportFormat,
    document: &SessionDocument,
    session: &Session,
) -> (zeroize::Zeroizing<Vec<u8>>, Vec<u8>) {
    let plain = must(format.render(document, &session.options), "rendering");
    let name = format!("{}.{}.age", session.meta.id, format.extension());
    let sealed = must(crypto::encrypt_to(&[&session.recipient], &plain, Path::new(&name)), "encrypting");
    (plain, sealed)
}

/// The document and every format, from an analysis.
fn render_all(session: &Session, analysis: &Analysis) -> (SessionDocument, Outputs) {
    let document =
        export::build(&session.meta, analysis, &session.markers, &session.transcript, Ok(Some(&session.guide)));
    let outputs = ExportFormat::ALL
        .into_iter()
        .map(|format| {
            let (plain, sealed) = render_sealed(format, &document, session);
            (format, plain, sealed)
        })
        .collect();
    (document, outputs)
}

fn options() -> RenderOptions {
    RenderOptions {
        convention: must(Convention::load("plain"), "loading the plain convention"),
        lang: Lang::Nb,
        credits: Credits { project: "arbeidsliv".into(), transcriber: Some("AB".into()) },
    }
}

/// Benchmark names in the order they run and are reported.
fn names() -> Vec<String> {
    let fixed =
        ["all_formats_with_analysis", "analysis_only", "render_all_formats", "build_document", "build_skeleton"];
    let formats = ExportFormat::ALL.iter().map(|f| format!("render/{}", f.extension()));
    fixed.iter().map(|s| s.to_string()).chain(formats).chain(["ffmpeg_silencedetect".to_string()]).collect()
}

/// The benchmarks; returns every timing by benchmark name.
fn bench(
    c: &mut Criterion,
    seconds: u64,
    files: (&Path, &Path),
    identity: &Identity,
    session: &Session,
    analysis: &Analysis,
) -> BTreeMap<String, Vec<Duration>> {
    let (audio, wav) = files;
    let mut timings: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut group = c.benchmark_group("export_1h");
    // Runs of a second or so: ten flat samples of one or a few each.
    group
        .throughput(Throughput::Elements(seconds))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(15));
    let id = |name: &str| BenchmarkId::from_parameter(name);
    let name = "all_formats_with_analysis";
    timed(&mut group, id(name), timings.entry(name.into()).or_default(), || {
        let found = analyze_file(audio, identity);
        black_box(render_all(session, &found));
    });
    let name = "analysis_only";
    timed(&mut group, id(name), timings.entry(name.into()).or_default(), || {
        black_box(analyze_file(audio, identity));
    });
    let name = "ffmpeg_silencedetect";
    timed(&mut group, id(name), timings.entry(name.into()).or_default(), || {
        black_box(finish_ffmpeg(spawn_silencedetect(wav, SPEED_NOISE_DB)));
    });

    // Milliseconds each: criterion's usual sampling, for a steadier estimate.
    group.sampling_mode(SamplingMode::Auto).sample_size(20).measurement_time(Duration::from_secs(5));
    let name = "render_all_formats";
    timed(&mut group, id(name), timings.entry(name.into()).or_default(), || {
        black_box(render_all(session, analysis));
    });
    let name = "build_document";
    timed(&mut group, id(name), timings.entry(name.into()).or_default(), || {
        black_box(export::build(
            &session.meta,
            analysis,
            &session.markers,
            &session.transcript,
            Ok(Some(&session.guide)),
        ));
    });
    let document =
        export::build(&session.meta, analysis, &session.markers, &session.transcript, Ok(Some(&session.guide)));
    let name = "build_skeleton";
    timed(&mut group, id(name), timings.entry(name.into()).or_default(), || {
        let RenderOptions { convention, lang, credits } = &session.options;
        black_box(skeleton::build(&document, convention, *lang, credits));
    });
    for format in ExportFormat::ALL {
        let id = BenchmarkId::new("render", format.extension());
        timed(&mut group, id, timings.entry(format!("render/{}", format.extension())).or_default(), || {
            black_box(render_sealed(format, &document, session));
        });
    }
    group.finish();
    timings
}

/// Checks the outputs of one export (test mode): the figures mean nothing if these fail.
fn check(document: &SessionDocument, outputs: &Outputs, identity: &Identity) {
    let output = |format: ExportFormat| outputs.iter().find(|o| o.0 == format).unwrap();
    for (format, plain, sealed) in outputs {
        assert!(!plain.is_empty(), "{format:?} rendered nothing");
        assert!(sealed.len() > plain.len(), "{format:?} was not sealed");
    }
    assert_eq!(document.markers.len(), MARKERS);
    assert!(!document.anonymised.is_empty(), "no identifying passage was anonymised");
    let guide = document.guide.as_ref().expect("guide progress");
    assert_eq!((guide.asked, guide.total), (QUESTIONS.len(), QUESTIONS.len()));

    // One pause mark per pause outside the anonymised passages (plain writes no micro-pauses);
    // the body starts after the header's two blank-line-separated parts (facts, legend).
    let (_, txt, sealed) = output(ExportFormat::Txt);
    let txt = std::str::from_utf8(txt).unwrap();
    let body = txt.splitn(3, "\n\n").nth(2).expect("a txt body after the legend");
    let hidden = |p: &export::document::Pause| document.anonymised.iter().any(|a| a.span.covers(p.span));
    let shown = document.pauses.iter().filter(|p| !hidden(p)).count();
    assert!(shown > 0, "no pauses to write");
    assert_eq!(body.matches("(pause").count(), shown, "pause marks in the txt");
    let opened = must(crypto::decrypt_bytes(identity, sealed, Path::new("txt.age")), "decrypting the txt");
    assert_eq!(opened.as_slice(), txt.as_bytes(), "the sealed txt is not the plain one");

    // A tier per speaker, then guide questions, markers and pauses.
    let speakers: BTreeSet<Option<&str>> = document.segments.iter().map(|s| s.speaker_label.as_deref()).collect();
    assert_eq!(speakers.len(), 2);
    let eaf = std::str::from_utf8(&output(ExportFormat::Eaf).1).unwrap();
    assert_eq!(eaf.matches("<TIER ").count(), speakers.len() + 3, "EAF tiers");

    let json: serde_json::Value = serde_json::from_slice(&output(ExportFormat::Json).1).unwrap();
    assert_eq!(json["segments"].as_array().map(Vec::len), Some(document.segments.len()));
}

fn print_summary(full: bool, seconds: u64, timings: &mut BTreeMap<String, Vec<Duration>>, outputs: &Outputs) {
    let mut median_of = |name: &str| timings.get_mut(name).filter(|t| !t.is_empty()).map(|t| (median(t), t.len()));
    eprintln!("\n=== export: {seconds} s interview, all 9 formats (plain, nb), each sealed to the participant ===");
    if !full {
        eprintln!("(test mode: one short run each; not a measurement)");
    }
    eprintln!("medians of every timed run (criterion's warm-up included)");
    eprintln!("{:<28} {:>11} {:>6}", "benchmark", "median", "runs");
    let mut medians = BTreeMap::new();
    for name in names() {
        if let Some((m, n)) = median_of(&name) {
            let shown = if m >= Duration::from_millis(100) {
                format!("{:.3} s", m.as_secs_f64())
            } else {
                format!("{:.2} ms", m.as_secs_f64() * 1e3)
            };
            eprintln!("{name:<28} {shown:>11} {n:>6}");
            medians.insert(name, m);
        }
    }
    if let (Some(ours), Some(ffmpeg)) = (medians.get("all_formats_with_analysis"), medians.get("ffmpeg_silencedetect"))
    {
        let verdict = if !full {
            "not judged in test mode"
        } else if *ours <= GOAL {
            "met"
        } else {
            "NOT met"
        };
        eprintln!(
            "goal all_formats_with_analysis <= {} s for 1 h: {verdict} ({:.3} s)",
            GOAL.as_secs(),
            ours.as_secs_f64()
        );
        eprintln!(
            "ffmpeg silencedetect (-threads 1, n={SPEED_NOISE_DB}dB:d=0.2, plaintext WAV): {:.3} s; \
             verbatim all formats with analysis / ffmpeg = {:.2}",
            ffmpeg.as_secs_f64(),
            ours.as_secs_f64() / ffmpeg.as_secs_f64()
        );
    }
    eprintln!("\noutput sizes for the {seconds} s session (bytes):");
    eprintln!("{:<10} {:>10} {:>10}", "format", "plain", "sealed");
    for (format, plain, sealed) in outputs {
        eprintln!("{:<10} {:>10} {:>10}", format.extension(), plain.len(), sealed.len());
    }
    let plain: usize = outputs.iter().map(|o| o.1.len()).sum();
    let sealed: usize = outputs.iter().map(|o| o.2.len()).sum();
    eprintln!("{:<10} {:>10} {:>10}", "all", plain, sealed);
}

fn main() {
    let full = support::full_run();
    let seconds = if full { SECONDS_PER_HOUR } else { 120 };
    let mut c = Criterion::default().configure_from_args();
    // Under target/, not /tmp: the hour twice is 0.7 GB, too much for a tmpfs.
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    must(fs::create_dir_all(base), "creating the target tmp folder");
    let dir = must(tempfile::Builder::new().prefix("export-bench-").tempdir_in(base), "creating the bench folder");
    let identity = crypto::generate_identity();

    let start = Instant::now();
    let (spec, pcm) = looped_fixture("office", seconds, dir.path());
    let wav = dir.path().join("office.wav");
    let audio = dir.path().join("office.age");
    write_wav(&wav, spec, &pcm);
    write_encrypted(&audio, &identity.to_public(), spec, &pcm);
    drop(pcm);
    let analysis = analyze_file(&audio, &identity);
    let markers = markers(seconds * 1000);
    let session = Session {
        meta: meta(seconds),
        guide: must(Guide::parse(GUIDE, "guide.md"), "the bench's guide"),
        transcript: transcript(&analysis, &markers),
        markers,
        recipient: identity.to_public(),
        options: options(),
    };
    eprintln!(
        "setup: {seconds} s of 48 kHz audio written and analysed in {:.1} s: {} segments, {} pauses",
        start.elapsed().as_secs_f64(),
        session.transcript.segments.len(),
        analysis.pauses.len()
    );

    let mut timings = bench(&mut c, seconds, (&audio, &wav), &identity, &session, &analysis);
    c.final_summary();
    if support::listing_only() {
        return;
    }
    let (document, outputs) = render_all(&session, &analysis);
    print_summary(full, seconds, &mut timings, &outputs);
    if !full {
        check(&document, &outputs, &identity);
    }
}
