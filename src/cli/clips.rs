//! `verbatim clips DIR SESSION --kind KIND [--pad 2s] -o OUTDIR`: one audio clip per marker of
//! a kind, identifying passages silenced, each with its transcript excerpt.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use verbatim::export::SessionDocument;
use verbatim::export::clips::{self, ClipError};
use verbatim::export::convention::{Convention, Lang};
use verbatim::export::formats::excerpt;
use verbatim::export::skeleton::{self, Credits};
use verbatim::model::{MarkerKind, Ms};
use verbatim::project::{ExportKind, ExportRecord};
use verbatim::securefs;
use verbatim::session::Opened;

use super::analyze::analysis_for;
use super::args::{self, SessionArg};
use super::ui::{self, plural};

/// Cut one audio clip per marker of a kind.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: SessionArg,
    /// Which markers: quote, follow_up, note, laughter, sigh, long_pause or question.
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    kind: MarkerKind,
    /// Audio kept before and after each clip's segments, e.g. 2s, 1.5s, 500ms or 0.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_pad)]
    pad: Ms,
    /// The folder for the clips (created if missing); existing files are never replaced.
    #[arg(short, long, value_name = "OUTDIR")]
    output: PathBuf,
    /// Write unencrypted .wav and .txt files instead of files encrypted to the participant.
    #[arg(long)]
    plaintext: bool,
    /// Transcription convention of the excerpts: plain, jefferson, gat2, dresing-pehl, or a TOML file.
    #[arg(long, value_name = "NAME|PATH", default_value = "plain")]
    convention: String,
    /// Language of the excerpts' labels: nb or en.
    #[arg(long, default_value = "nb", value_parser = args::parsed::<Lang>)]
    lang: Lang,
}

/// clap's parser for `--kind`, naming the valid kinds on error.
fn parse_kind(text: &str) -> Result<MarkerKind, String> {
    clips::parse_kind(text).map_err(|e| e.to_string())
}

/// clap's parser for `--pad`.
fn parse_pad(text: &str) -> Result<Ms, String> {
    clips::parse_pad(text).map_err(|e| e.to_string())
}

pub fn run(args: Args) -> Result<ExitCode> {
    let out_dir = &args.output;
    let convention = Convention::load(&args.convention)?;
    if out_dir.exists() && !out_dir.is_dir() {
        bail!("{}: not a folder; name a folder for the clips (nothing was written)", out_dir.display());
    }
    let mut keyring = super::open::unlock(&args.target.project.dir)?;
    let session = Opened::find(&mut keyring, &args.target.session)?;
    let mut bar = ui::Progress::new(1);
    let analysis = analysis_for(&session, &mut |done, total| bar.update(0, done, total));
    bar.clear();
    analysis?;
    let document = SessionDocument::of(&session, &mut |_, _| {})?;
    for warning in &document.warnings {
        ui::warn(warning);
    }
    let credits = Credits { project: String::new(), transcriber: None };
    let skeleton = skeleton::build(&document, &convention, args.lang, &credits);
    let mut reader = session.audio()?;
    let spec = reader.spec();
    let plan = clips::plan(&document, args.kind, args.pad, spec.sample_rate, reader.frames());
    let kind = args.kind.name();
    let id = session.id();
    if plan.is_empty() {
        say!("Session {id} has no {kind} markers; no clips written.");
        return Ok(ExitCode::SUCCESS);
    }

    let recipient = session.recipient();
    let sealing = if args.plaintext { clips::Sealing::Plaintext } else { clips::Sealing::Encrypted(recipient) };
    let targets: Vec<(PathBuf, PathBuf)> = plan
        .iter()
        .map(|clip| {
            let stem = clip.file_stem(id.as_str(), args.kind);
            (out_dir.join(sealing.file_name(&stem, "wav")), out_dir.join(sealing.file_name(&stem, "txt")))
        })
        .collect();
    let existing: Vec<String> = targets
        .iter()
        .flat_map(|(audio, text)| [audio, text])
        .filter(|p| p.symlink_metadata().is_ok())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        bail!(
            "{} already exist{}: {}. Move them away or choose another folder with -o (nothing was written)",
            plural(existing.len(), "file"),
            if existing.len() == 1 { "s" } else { "" },
            existing.join(", ")
        );
    }

    let created =
        Arc::new(Mutex::new(Created { dir: (!out_dir.exists()).then(|| out_dir.to_path_buf()), ..Created::default() }));
    securefs::create_dir_all(out_dir)?;
    let on_interrupt = Arc::clone(&created);
    // Ctrl+C mid-clip must not leave a partial clip (or a plaintext voice file) behind.
    if let Err(e) = ctrlc::set_handler(move || {
        lock(&on_interrupt).remove_all();
        ui::note("verbatim: interrupted; the clips written so far were removed.");
        std::process::exit(130);
    }) {
        ui::note(&format!("note: Ctrl+C will not clean up partial clips ({e})"));
    }
    let mut buf = clips::pcm_buffer(&spec);
    let mut silenced_total = Ms::ZERO;
    for (clip, (audio, text)) in plan.iter().zip(&targets) {
        let result =
            write_tracked(&created, audio, |path| clips::write_clip(&mut reader, clip, path, sealing, &mut buf))
                .and_then(|()| {
                    write_tracked(&created, text, |path| {
                        let excerpt = excerpt(&skeleton, &convention, clip.span);
                        clips::write_text(
                            path,
                            sealing,
                            &clips::clip_text(&document, args.kind, clip, &excerpt, args.lang),
                        )
                    })
                });
        if let Err(e) = result {
            // All or nothing: a rerun then starts clean instead of tripping over earlier clips.
            let removed = lock(&created).remove_all();
            let kept = match removed {
                0 => "nothing was written".to_string(),
                n => format!("the {} written before it were removed, so nothing was kept", plural(n, "file")),
            };
            return Err(e).context(format!("writing clip {} of {}; {kept}", clip.number, plan.len()));
        }
        let silenced = Ms::of_frames(clip.silenced_frames(), spec.sample_rate);
        silenced_total = silenced_total.saturating_add(silenced);
        let name = audio.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut line =
            format!("{name}  {:.1}–{:.1} ({:.1} s)", clip.span.start, clip.span.end, clip.span.len().as_secs_f64());
        if silenced > Ms::ZERO {
            line.push_str(&format!(", {:.1} s silenced", silenced.as_secs_f64()));
        }
        say!("{line}");
    }
    securefs::sync_dir(out_dir)?;
    // Done: from here on, Ctrl+C must not take the finished clips away.
    *lock(&created) = Created::default();
    // Recorded so `verbatim forget` can delete them if the participant withdraws.
    let records = targets
        .iter()
        .flat_map(|(audio, text)| [audio, text])
        .map(|path| ExportRecord::now(session.participant(), Some(id), path, ExportKind::Clip, args.plaintext))
        .collect();
    keyring.record_exports(records).context("recording the clips in the export manifest")?;

    let redacted = if silenced_total > Ms::ZERO {
        format!("; {:.1} s of identifying audio silenced", silenced_total.as_secs_f64())
    } else {
        String::new()
    };
    say!("{} of {kind} markers from session {id} in {}{redacted}.", plural(plan.len(), "clip"), out_dir.display());
    if args.plaintext {
        ui::warn(&format!(
            "these {} are UNENCRYPTED and hold {}'s voice. Keep them off shared drives and email, and delete them when done.",
            plural(targets.len() * 2, "file"),
            session.participant()
        ));
    } else {
        ui::note(&format!(
            "Encrypted to {}'s key: to listen, decrypt a clip with `age -d -i KEY` (see `verbatim key export`).",
            session.participant()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// What this run has put on disk, so an error or Ctrl+C can take it all back.
#[derive(Default)]
struct Created {
    /// The output folder, if this run made it.
    dir: Option<PathBuf>,
    /// Files written completely.
    done: Vec<PathBuf>,
    /// The file being written now.
    current: Option<PathBuf>,
}

impl Created {
    /// Removes every file (and the folder, if ours and empty); returns how many complete files went.
    fn remove_all(&mut self) -> usize {
        for path in self.done.iter().chain(&self.current) {
            let _ = std::fs::remove_file(path);
        }
        self.current = None;
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir(dir);
        }
        std::mem::take(&mut self.done).len()
    }
}

fn lock(created: &Mutex<Created>) -> std::sync::MutexGuard<'_, Created> {
    // A panic elsewhere must not stop the clean-up.
    created.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `write` for `path` with the path recorded as in progress, then as done.
fn write_tracked(
    created: &Mutex<Created>,
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), ClipError>,
) -> Result<()> {
    lock(created).current = Some(path.to_path_buf());
    let result = write(path);
    let mut created = lock(created);
    // On failure the library has already removed its partial file; it may not even be ours
    // (a file that appeared meanwhile is refused, never replaced), so forget it either way.
    let current = created.current.take();
    result?;
    created.done.extend(current);
    Ok(())
}
