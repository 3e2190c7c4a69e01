//! `verbatim export`: one session or all of them, in one or more formats, encrypted to the
//! participant unless `--plaintext` is asked for by name.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use verbatim::crypto::Identity;
use verbatim::export::convention::{Convention, Lang};
use verbatim::export::skeleton::Credits;
use verbatim::export::{self, ExportFormat, RenderOptions};
use verbatim::project::{ExportRecord, Keyring};
use verbatim::securefs;
use verbatim::session::SessionDir;
use verbatim::session::markers::MarkerLog;
use verbatim::session::transcript::Transcript;

use super::analyze::{ProgressBar, analysis_for};
use super::commands::unlock;

/// What `verbatim export` was asked to do.
pub struct ExportRequest<'a> {
    /// The project folder.
    pub dir: &'a Path,
    /// One session, or `None` with `all`.
    pub session: Option<&'a str>,
    /// Every session.
    pub all: bool,
    /// The formats, at least one.
    pub formats: &'a [ExportFormat],
    /// `--convention`: a shipped name or a TOML file.
    pub convention: &'a str,
    /// Label language.
    pub lang: Lang,
    /// `--transcriber`, for the header.
    pub transcriber: Option<String>,
    /// `-o`: a file for one session in one format, else a folder.
    pub output: &'a Path,
    /// Unencrypted output was asked for by name.
    pub plaintext: bool,
}

/// Where the files go: one named file, or a folder of `<session>.<ext>[.age]`.
enum Target {
    File { path: PathBuf, sealed: bool },
    Folder(PathBuf),
}

/// Runs `verbatim export`.
pub fn export(request: &ExportRequest) -> Result<ExitCode> {
    // Everything that can be wrong with the command line is found before the passphrase.
    let convention = Convention::load(request.convention)?;
    let target = target(request)?;
    let mut keyring = unlock(request.dir)?;
    let sessions = match (request.session, request.all) {
        (Some(id), false) => vec![SessionDir::find(keyring.project(), id)?],
        (None, true) => SessionDir::list(keyring.project())?,
        _ => bail!("name one session, or give --all (see `verbatim sessions {}`)", request.dir.display()),
    };
    if sessions.is_empty() {
        say!("No sessions to export.");
        return Ok(ExitCode::SUCCESS);
    }
    if let Target::Folder(folder) = &target {
        securefs::create_dir_all(folder)?;
        // Every name is checked before anything is written, so a clash leaves no half export.
        for session in &sessions {
            for format in request.formats {
                let path = folder.join(file_name(&session.id, *format, request.plaintext));
                if path.exists() {
                    bail!(
                        "{}: already exists; choose another folder or delete it first (nothing was written)",
                        path.display()
                    );
                }
            }
        }
    }
    let project = keyring.project().root().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let options = RenderOptions {
        convention,
        lang: request.lang,
        credits: Credits { project, transcriber: request.transcriber.clone() },
    };
    let mut bar = ProgressBar::new(sessions.len());
    let mut failed = 0;
    for (index, session) in sessions.iter().enumerate() {
        let result = export_one(&mut keyring, session, request, &options, &target, &mut |done, total| {
            bar.update(index, done, total)
        });
        bar.clear();
        match result {
            Ok(written) => {
                for line in written {
                    say!("{line}");
                }
            }
            Err(e) if request.all && session.recorder_alive() => {
                say!("{}: being recorded now; skipped ({e})", session.id)
            }
            Err(e) => {
                failed += 1;
                say!(err, "verbatim: error: session {}: {e:#}", session.id);
            }
        }
    }
    if request.plaintext {
        say!(
            err,
            "These files are UNENCRYPTED and describe participants' interviews: keep them off shared drives and \
             delete them when done."
        );
    }
    if failed > 0 {
        if sessions.len() > 1 {
            say!(err, "{failed} of {} sessions could not be exported; see the messages above.", sessions.len());
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn target(request: &ExportRequest) -> Result<Target> {
    let output = request.output;
    let single = request.session.is_some() && !request.all && request.formats.len() == 1;
    // `-o exports/` means a folder even before it exists.
    let folder = output.is_dir() || output.as_os_str().to_string_lossy().ends_with('/');
    if single && !folder {
        let sealed = output.extension().is_some_and(|e| e == "age");
        if !sealed && !request.plaintext {
            bail!(
                "{}: an export holds the participant's transcript and notes, and this file would be unencrypted. \
                 Add --plaintext to write it anyway, or name it {}.age to have it encrypted to the participant's key \
                 (nothing was written)",
                output.display(),
                output.display()
            );
        }
        if output.exists() {
            bail!("{}: already exists; choose another name or delete it first (nothing was written)", output.display());
        }
        return Ok(Target::File { path: output.to_path_buf(), sealed });
    }
    if output.exists() && !output.is_dir() {
        bail!(
            "{}: is a file, but exporting {} needs a folder for -o (nothing was written)",
            output.display(),
            if request.all { "every session" } else { "several formats" }
        );
    }
    Ok(Target::Folder(output.to_path_buf()))
}

/// Notes a written file in the export manifest, so `forget` can delete it.
fn record(keyring: &Keyring, session: &SessionDir, path: &Path, plaintext: bool) -> Result<()> {
    let entry = ExportRecord::now(&session.participant, Some(&session.id), path, "export", plaintext);
    keyring.record_exports(vec![entry]).context("recording the export in the manifest")
}

/// `<session>.<ext>`, with `.age` unless plaintext was asked for.
fn file_name(session: &str, format: ExportFormat, plaintext: bool) -> String {
    let sealed = if plaintext { "" } else { ".age" };
    format!("{session}.{}{sealed}", format.extension())
}

fn export_one(
    keyring: &mut Keyring,
    session: &SessionDir,
    request: &ExportRequest,
    options: &RenderOptions,
    target: &Target,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<String>> {
    let identity: Identity = keyring.participant(&session.participant)?.clone();
    let recipient = keyring.project().participant_recipient(&session.participant)?;
    let meta = session.read_meta(&identity)?;
    let markers = MarkerLog::read(&session.path, &identity)?;
    let analysis = analysis_for(session, &identity, &recipient, &markers.markers, progress)?;
    let transcript = Transcript::read(&session.path, &identity)?;
    let document = export::build(&meta, &analysis, &markers.markers, transcript.as_ref());
    for warning in &document.warnings {
        say!(err, "warning: {}: {warning}", session.id);
    }
    let mut written = Vec::new();
    for format in request.formats {
        let bytes = format.render(&document, options)?;
        let (path, sealed) = match target {
            Target::File { path, sealed } => (path.clone(), *sealed),
            Target::Folder(folder) => {
                (folder.join(file_name(&session.id, *format, request.plaintext)), !request.plaintext)
            }
        };
        if sealed {
            let ciphertext = verbatim::crypto::encrypt_to(&[&recipient], &bytes, &path)?;
            securefs::write_new(&path, &ciphertext).with_context(|| format!("writing {}", path.display()))?;
            record(keyring, session, &path, false)?;
            written.push(format!("Wrote {} (encrypted to {}'s key).", path.display(), session.participant));
        } else {
            securefs::write_new(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            record(keyring, session, &path, true)?;
            written.push(format!(
                "Wrote {} UNENCRYPTED ({} segments, {} pauses, {} markers).",
                path.display(),
                document.segments.len(),
                document.pauses.len(),
                document.markers.len()
            ));
        }
    }
    Ok(written)
}
