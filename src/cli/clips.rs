//! `verbatim clips`: one audio clip per marker of a kind, identifying passages silenced.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use verbatim::audio::store::EncryptedAudioReader;
use verbatim::crypto::Identity;
use verbatim::export::convention::{Convention, Lang};
use verbatim::export::skeleton::{self, Credits};
use verbatim::export::{self, clips, text};
use verbatim::project::ExportRecord;
use verbatim::securefs;
use verbatim::session::SessionDir;
use verbatim::session::markers::{MarkerKind, MarkerLog};
use verbatim::session::transcript::Transcript;

use super::analyze::{ProgressBar, analysis_for};
use super::commands::{clock, unlock};

/// What `verbatim clips` was asked to do.
pub struct ClipsOptions<'a> {
    /// The project folder.
    pub dir: &'a Path,
    /// The session id.
    pub session: &'a str,
    /// Which markers to cut.
    pub kind: MarkerKind,
    /// Audio added before and after each clip's segments, ms.
    pub pad_ms: u64,
    /// The folder for the clips.
    pub output: &'a Path,
    /// Write unencrypted files.
    pub plaintext: bool,
    /// `--convention` for the excerpts: a shipped name or a TOML file.
    pub convention: &'a str,
    /// Label language.
    pub lang: Lang,
}

/// clap's parser for `--kind`, naming the valid kinds on error.
pub fn parse_kind(text: &str) -> Result<MarkerKind, String> {
    clips::parse_kind(text).map_err(|e| e.to_string())
}

/// clap's parser for `--pad`.
pub fn parse_pad(text: &str) -> Result<u64, String> {
    clips::parse_pad(text).map_err(|e| e.to_string())
}

/// `verbatim clips DIR SESSION --kind KIND [--pad 2s] -o OUTDIR [--plaintext]`.
pub fn clips(opts: ClipsOptions<'_>) -> Result<ExitCode> {
    let out_dir = opts.output;
    let convention = Convention::load(opts.convention)?;
    if out_dir.exists() && !out_dir.is_dir() {
        bail!("{}: not a folder; name a folder for the clips (nothing was written)", out_dir.display());
    }
    let mut keyring = unlock(opts.dir)?;
    let session = SessionDir::find(keyring.project(), opts.session)?;
    let identity: Identity = keyring.participant(&session.participant)?.clone();
    let recipient = keyring.project().participant_recipient(&session.participant)?;
    let meta = session.read_meta(&identity)?;
    let markers = MarkerLog::read(&session.path, &identity)?;
    let mut bar = ProgressBar::new(1);
    let analysis =
        analysis_for(&session, &identity, &recipient, &markers.markers, &mut |done, total| bar.update(0, done, total));
    bar.clear();
    let analysis = analysis?;
    let transcript = Transcript::read(&session.path, &identity)?;
    let document = export::build(&meta, &analysis, &markers.markers, transcript.as_ref());
    for warning in &document.warnings {
        eprintln!("warning: {warning}");
    }
    let credits = Credits { project: String::new(), transcriber: None };
    let skeleton = skeleton::build(&document, &convention, opts.lang, &credits);
    let mut reader = EncryptedAudioReader::open(&session.audio_path(), &identity)?;
    let spec = reader.spec();
    let plan = clips::plan(&document, opts.kind, opts.pad_ms, spec.sample_rate, reader.frames());
    let kind = clips::kind_name(opts.kind);
    if plan.is_empty() {
        say!("Session {} has no {kind} markers; no clips written.", session.id);
        return Ok(ExitCode::SUCCESS);
    }

    let sealing = if opts.plaintext { clips::Sealing::Plaintext } else { clips::Sealing::Encrypted(&recipient) };
    let targets: Vec<(PathBuf, PathBuf)> = plan
        .iter()
        .map(|clip| {
            let stem = clip.file_stem(&session.id, opts.kind);
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
        say!(err, "verbatim: interrupted; the clips written so far were removed.");
        std::process::exit(130);
    }) {
        say!(err, "note: Ctrl+C will not clean up partial clips ({e})");
    }
    let mut buf = clips::pcm_buffer(&spec);
    let mut silenced_total = 0;
    for (clip, (audio, text)) in plan.iter().zip(&targets) {
        let result =
            write_tracked(&created, audio, |path| clips::write_clip(&mut reader, clip, path, sealing, &mut buf))
                .and_then(|()| {
                    write_tracked(&created, text, |path| {
                        let excerpt = text::excerpt(&skeleton, &convention, clip.start_ms, clip.end_ms);
                        clips::write_text(
                            path,
                            sealing,
                            &clips::clip_text(&document, opts.kind, clip, &excerpt, opts.lang),
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
        let silenced = spec.frames_to_ms(clip.silenced_frames());
        silenced_total += silenced;
        let name = audio.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut line = format!(
            "{name}  {}–{} ({:.1} s)",
            clock(clip.start_ms),
            clock(clip.end_ms),
            (clip.end_ms - clip.start_ms) as f64 / 1000.0
        );
        if silenced > 0 {
            line.push_str(&format!(", {:.1} s silenced", silenced as f64 / 1000.0));
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
        .map(|path| ExportRecord::now(&session.participant, Some(&session.id), path, "clip", opts.plaintext))
        .collect();
    keyring.record_exports(records).context("recording the clips in the export manifest")?;

    let redacted = if silenced_total > 0 {
        format!("; {:.1} s of identifying audio silenced", silenced_total as f64 / 1000.0)
    } else {
        String::new()
    };
    say!(
        "{} of {kind} markers from session {} in {}{redacted}.",
        plural(plan.len(), "clip"),
        session.id,
        out_dir.display()
    );
    if opts.plaintext {
        say!(
            err,
            "warning: these {} are UNENCRYPTED and hold {}'s voice. Keep them off shared drives and email, and \
             delete them when done.",
            plural(targets.len() * 2, "file"),
            session.participant
        );
    } else {
        say!(
            err,
            "Encrypted to {}'s key: to listen, decrypt a clip with `age -d -i KEY` (see `verbatim key export`).",
            session.participant
        );
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
    write: impl FnOnce(&Path) -> Result<(), clips::ClipError>,
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

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
