//! `verbatim export DIR SESSION|--all --format FMT[,FMT…] -o FILE|DIR`: one session or all of
//! them, in one or more formats, encrypted to the participant unless `--plaintext` is asked for
//! by name.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use verbatim::export::convention::{Convention, Lang};
use verbatim::export::skeleton::Credits;
use verbatim::export::{ExportFormat, RenderOptions, SessionDocument};
use verbatim::model::SessionId;
use verbatim::project::{ExportKind, ExportRecord, Keyring};
use verbatim::securefs;
use verbatim::session::Opened;

use super::analyze::analysis_for;
use super::args::{self, ProjectArg};
use super::{hints, open, ui};

/// Write transcripts and data for QDA tools.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
    /// The session id (see `verbatim sessions`).
    #[arg(required_unless_present = "all", conflicts_with = "all", value_parser = args::parsed::<SessionId>)]
    session: Option<SessionId>,
    /// Export every session in the project (-o is then a folder).
    #[arg(long)]
    all: bool,
    /// The file format: json, txt, md, docx, vtt, srt, eaf, f4 or nvivo; several separated by
    /// commas (-o is then a folder).
    #[arg(long, value_delimiter = ',', required = true, value_parser = args::parsed::<ExportFormat>)]
    format: Vec<ExportFormat>,
    /// Transcription convention: plain, jefferson, gat2, dresing-pehl, or a TOML file.
    #[arg(long, value_name = "NAME|PATH", default_value = "plain")]
    convention: String,
    /// Language of labels and the legend: nb or en.
    #[arg(long, default_value = "nb", value_parser = args::parsed::<Lang>)]
    lang: Lang,
    /// The transcriber's name or initials, for the header.
    #[arg(long, value_name = "NAME")]
    transcriber: Option<String>,
    /// A file (one session, one format) or a folder; existing files are never replaced.
    /// Files are encrypted to the participant (.age) unless --plaintext is given.
    #[arg(short, long, value_name = "FILE|DIR")]
    output: PathBuf,
    /// Write unencrypted files.
    #[arg(long)]
    plaintext: bool,
}

/// Where the files go: one named file, or a folder of `<session>.<ext>[.age]`.
enum Target {
    File { path: PathBuf, sealed: bool },
    Folder(PathBuf),
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = &args.project.dir;
    // Everything that can be wrong with the command line is found before the passphrase.
    let convention = Convention::load(&args.convention)?;
    let target = target(&args)?;
    let mut keyring = open::unlock(dir)?;
    let sessions = open::sessions(&keyring, args.session.as_ref(), args.all, dir)?;
    if sessions.is_empty() {
        say!("No sessions to export.");
        return Ok(ExitCode::SUCCESS);
    }
    if let Target::Folder(folder) = &target {
        securefs::create_dir_all(folder)?;
        // Every name is checked before anything is written, so a clash leaves no half export.
        for session in &sessions {
            for format in &args.format {
                let path = folder.join(file_name(&session.id, *format, args.plaintext));
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
        lang: args.lang,
        credits: Credits { project, transcriber: args.transcriber.clone() },
    };
    let mut bar = ui::Progress::new(sessions.len());
    let mut tally = hints::Tally::new(sessions.len(), "exported", dir);
    for (index, dir_entry) in sessions.into_iter().enumerate() {
        let (id, recording) = (dir_entry.id.clone(), dir_entry.recorder_alive());
        let result = Opened::open(&mut keyring, dir_entry).map_err(anyhow::Error::from).and_then(|session| {
            export_one(&keyring, &session, &args, &options, &target, &mut |done, total| bar.update(index, done, total))
        });
        bar.clear();
        match result {
            Ok(written) => {
                for line in written {
                    say!("{line}");
                }
            }
            Err(e) => tally.failed(&id, e, args.all && recording),
        }
    }
    if args.plaintext {
        ui::note(
            "These files are UNENCRYPTED and describe participants' interviews: keep them off shared drives and \
             delete them when done.",
        );
    }
    Ok(tally.exit())
}

fn target(args: &Args) -> Result<Target> {
    let output = &args.output;
    let single = args.session.is_some() && !args.all && args.format.len() == 1;
    // `-o exports/` means a folder even before it exists.
    let folder = output.is_dir() || output.as_os_str().to_string_lossy().ends_with('/');
    if single && !folder {
        let sealed = output.extension().is_some_and(|e| e == "age");
        if !sealed && !args.plaintext {
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
        return Ok(Target::File { path: output.clone(), sealed });
    }
    if output.exists() && !output.is_dir() {
        bail!(
            "{}: is a file, but exporting {} needs a folder for -o (nothing was written)",
            output.display(),
            if args.all { "every session" } else { "several formats" }
        );
    }
    Ok(Target::Folder(output.clone()))
}

/// Notes a written file in the export manifest, so `forget` can delete it.
fn record(keyring: &Keyring, session: &Opened, path: &Path, plaintext: bool) -> Result<()> {
    let entry = ExportRecord::now(session.participant(), Some(session.id()), path, ExportKind::Export, plaintext);
    keyring.record_exports(vec![entry]).context("recording the export in the manifest")
}

/// `<session>.<ext>`, with `.age` unless plaintext was asked for.
fn file_name(session: &SessionId, format: ExportFormat, plaintext: bool) -> String {
    let sealed = if plaintext { "" } else { ".age" };
    format!("{session}.{}{sealed}", format.extension())
}

fn export_one(
    keyring: &Keyring,
    session: &Opened,
    args: &Args,
    options: &RenderOptions,
    target: &Target,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<String>> {
    analysis_for(session, progress)?;
    let document = SessionDocument::of(session, &mut |_, _| {})?;
    for warning in &document.warnings {
        ui::warn(&format!("{}: {warning}", session.id()));
    }
    let mut written = Vec::new();
    for format in &args.format {
        let bytes = format.render(&document, options)?;
        let (path, sealed) = match target {
            Target::File { path, sealed } => (path.clone(), *sealed),
            Target::Folder(folder) => (folder.join(file_name(session.id(), *format, args.plaintext)), !args.plaintext),
        };
        if sealed {
            let ciphertext = verbatim::crypto::encrypt_to(&[session.recipient()], &bytes, &path)?;
            securefs::write_new(&path, &ciphertext).with_context(|| format!("writing {}", path.display()))?;
            record(keyring, session, &path, false)?;
            written.push(format!("Wrote {} (encrypted to {}'s key).", path.display(), session.participant()));
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
