//! One function per command. Each prints what it did and what to do next.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use verbatim::audio::store::EncryptedAudioReader;
use verbatim::crypto::ExposeSecret;
use verbatim::project::{ExportRecord, Keyring, Project};
use verbatim::securefs;
use verbatim::session::{self, RecoverOutcome, SessionDir, SessionSummary};

use super::passphrase;

pub fn init(dir: &Path, retain_until: Option<chrono::NaiveDate>) -> Result<ExitCode> {
    // Check the target before asking for a passphrase, so a typo costs no typing.
    verbatim::project::check_init_target(dir)?;
    let pass = passphrase::ask_new()?;
    let mut project = Project::init(dir, &pass)?;
    if retain_until.is_some() {
        project.set_retention(retain_until)?;
    }
    say!("Created project {}", project.root().display());
    say!("Next: verbatim participant add {} P01", dir.display());
    Ok(ExitCode::SUCCESS)
}

pub fn import(
    dir: &Path,
    file: &Path,
    participant: &str,
    started: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> Result<ExitCode> {
    let project = Project::open(dir)?;
    let (meta, report) = session::import_file(&project, participant, file, started)?;
    say!(
        "Imported {} as session {} ({}, {}).",
        file.display(),
        meta.id,
        clock(meta.duration_ms()),
        format_spec(&meta.audio)
    );
    if report.dropped_tail_bytes > 0 {
        eprintln!("note: dropped {} bytes at the end that did not form a whole frame", report.dropped_tail_bytes);
    }
    if report.skipped_packets > 0 {
        eprintln!("warning: {} damaged packets in the source were skipped (as a player would)", report.skipped_packets);
    }
    if let Some((declared, found)) = report.declared_bytes_mismatch {
        eprintln!(
            "warning: the WAV header declared {declared} bytes of audio but the file holds {found}; imported what is there"
        );
    }
    say!("The original file is not touched. Once you have checked the session, delete the original securely.");
    Ok(ExitCode::SUCCESS)
}

pub(super) fn unlock(dir: &Path) -> Result<Keyring> {
    let project = Project::open(dir)?;
    let pass = passphrase::ask(dir)?;
    Ok(project.unlock(&pass)?)
}

pub fn sessions(dir: &Path, json: bool) -> Result<ExitCode> {
    let mut keyring = unlock(dir)?;
    let mut rows: Vec<SessionSummary> = Vec::new();
    let mut unreadable = Vec::new();
    for s in SessionDir::list(keyring.project())? {
        // One damaged session must not hide the others.
        let summary = keyring.participant(&s.participant).map_err(anyhow::Error::from).and_then(|identity| {
            let identity = identity.clone();
            Ok(s.summary(&identity)?)
        });
        match summary {
            Ok(row) => rows.push(row),
            Err(e) => unreadable.push(format!("{}: {e}", s.id)),
        }
    }
    for problem in &unreadable {
        eprintln!("verbatim: error: session {problem}");
    }
    let status = if unreadable.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    if json {
        say!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(status);
    }
    if rows.is_empty() {
        say!("No sessions yet. Import one with `verbatim import {} FILE --participant P01`.", dir.display());
        return Ok(status);
    }
    say!(
        "{:<24} {:<8} {:<17} {:>9} {:<22} {:>7}  STATE",
        "SESSION",
        "PART.",
        "STARTED",
        "DURATION",
        "FORMAT",
        "DROPPED"
    );
    for r in &rows {
        let started = chrono::DateTime::parse_from_rfc3339(&r.started)
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|_| r.started.clone());
        let format = format!("{} Hz {} {}-bit", r.sample_rate, channels_word(r.channels), r.bits_per_sample);
        say!(
            "{:<24} {:<8} {:<17} {:>9} {:<22} {:>7}  {}",
            r.id,
            r.participant,
            started,
            clock(r.duration_ms),
            format,
            r.dropped_frames,
            r.state
        );
    }
    if rows.iter().any(|r| r.state == "interrupted") {
        say!("\nAn interrupted session needs `verbatim recover {} SESSION`.", dir.display());
    }
    Ok(status)
}

pub fn decrypt(dir: &Path, session_id: &str, output: &Path) -> Result<ExitCode> {
    if output.exists() {
        bail!("{}: already exists; choose another name (nothing was written)", output.display());
    }
    let mut keyring = unlock(dir)?;
    let session = SessionDir::find(keyring.project(), session_id)?;
    let identity = keyring.participant(&session.participant)?.clone();
    let mut reader = EncryptedAudioReader::open(&session.audio_path(), &identity)?;
    let frames = session::decrypt_to_wav(&mut reader, output)?;
    // The plaintext WAV is the worst leak there is: `forget` and `shred` must find it.
    let record = ExportRecord::now(&session.participant, Some(&session.id), output, "decrypt", true);
    if let Err(e) = keyring.record_exports(vec![record]) {
        let _ = std::fs::remove_file(output);
        return Err(e).context("recording the decrypted file in the export manifest; it was removed again");
    }
    eprintln!(
        "Wrote {} ({} of audio) UNENCRYPTED. It contains a participant's voice: keep it off shared drives and delete it when done.",
        output.display(),
        clock(reader.spec().frames_to_ms(frames))
    );
    Ok(ExitCode::SUCCESS)
}

pub fn recover(dir: &Path, session_id: &str) -> Result<ExitCode> {
    let mut keyring = unlock(dir)?;
    let session = SessionDir::find(keyring.project(), session_id)?;
    let (outcome, meta) = session::recover(&mut keyring, &session)?;
    match outcome {
        RecoverOutcome::AlreadyIntact { frames } => {
            say!("Session {} is intact ({}); nothing to recover.", session.id, clock(meta.audio.frames_to_ms(frames)));
        }
        RecoverOutcome::Salvaged { report, original_kept_as } => {
            let ms = |f| clock(meta.audio.frames_to_ms(f));
            say!("Recovered session {}: {} of audio kept.", session.id, ms(report.frames));
            if report.silenced_frames > 0 {
                say!(
                    "  {} in the middle failed authentication and was replaced by silence, so later timestamps still hold.",
                    ms(report.silenced_frames)
                );
            }
            if report.lost_frames_estimate > 0 {
                say!(
                    "  Lost at the end: at most {} (the chunk being written and audio still buffered when it stopped).",
                    ms(report.lost_frames_estimate)
                );
            } else {
                say!("  Nothing was lost at the end.");
            }
            say!(
                "  The damaged original is kept as {original_kept_as}; delete it once you have listened to the result."
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn key_export(dir: &Path, participant: &str, output: &Path) -> Result<ExitCode> {
    let project = Project::open(dir)?;
    project.require_participant(participant)?;
    if output.exists() {
        bail!("{}: already exists; choose another name (nothing was written)", output.display());
    }
    let mut keyring = project.unlock(&passphrase::ask(dir)?)?;
    let text = keyring.participant_identity_text(participant)?;
    securefs::write_new(output, text.expose_secret().as_bytes())?;
    keyring.record_exports(vec![ExportRecord::now(participant, None, output, "key", true)])?;
    eprintln!("WARNING: {} now holds {participant}'s secret key UNENCRYPTED (mode 0600).", output.display());
    eprintln!("Anyone with this file can read all of {participant}'s recordings and transcripts. Store it offline,");
    eprintln!("`verbatim forget` deletes this file too while it stays here; a copy elsewhere is out of its reach.");
    eprintln!("Use it with the standard tool:  age -d -i {} FILE.age > FILE", output.display());
    Ok(ExitCode::SUCCESS)
}

/// Parses `--started`: RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` in local time.
pub fn parse_started(text: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, String> {
    use chrono::TimeZone;
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return chrono::Local
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.fixed_offset())
                .ok_or_else(|| format!("{text:?} does not exist in the local time zone (a daylight-saving gap)"));
        }
    }
    Err(format!("{text:?} is not a time; write e.g. \"2026-11-20 14:05\" or 2026-11-20T14:05:00+01:00"))
}

/// `hh:mm:ss.d` for a duration in milliseconds.
pub(super) fn clock(ms: u64) -> String {
    format!("{:02}:{:02}:{:02}.{}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000 / 100)
}

fn channels_word(channels: u16) -> String {
    match channels {
        1 => "mono".into(),
        2 => "stereo".into(),
        n => format!("{n}ch"),
    }
}

fn format_spec(spec: &verbatim::audio::wav::AudioSpec) -> String {
    format!(
        "{} Hz {} {}-bit {:?}",
        spec.sample_rate,
        channels_word(spec.channels),
        spec.bits_per_sample,
        spec.sample_format
    )
    .to_lowercase()
}

/// `verbatim forget DIR ID [--yes]`: withdrawal of consent.
pub fn forget(dir: &Path, id: &str, yes: bool) -> Result<ExitCode> {
    use std::io::{BufRead, IsTerminal};
    let project = Project::open(dir)?;
    // An unknown or malformed code is refused before the passphrase, with nothing changed.
    project.require_participant(id)?;
    if !yes && !std::io::stdin().is_terminal() {
        bail!("forgetting {id} cannot be undone; confirm on a terminal, or add --yes (nothing was changed)");
    }
    let pass = passphrase::ask(dir)?;
    let keyring = project.unlock(&pass)?;
    let plan = keyring.plan_forget(id)?;
    if !yes {
        say!("This deletes everything verbatim holds about {id}, and cannot be undone:");
        say!("  - {id}'s key, so every copy of their encrypted files becomes unreadable");
        say!("  - {} session(s): {}", plan.sessions.len(), plan.sessions.join(", "));
        say!("  - {} exported file(s) verbatim wrote for them", plan.exports.len());
        say!("Type {id} to go ahead, or anything else to keep everything:");
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != id {
            say!("Nothing was changed.");
            return Ok(ExitCode::FAILURE);
        }
    }
    let report = keyring.forget(id, &pass)?;
    say!("Forgot {id}:");
    say!("  removed: {id}'s key (overwritten, then deleted) and their folder");
    say!("  removed: {} session(s){}", report.sessions.len(), list(&report.sessions));
    for path in &report.deleted_exports {
        say!("  removed: {}", path.display());
    }
    for path in &report.missing_exports {
        say!("  already gone: {} (moved or deleted outside verbatim; any copy of it is out of reach)", path.display());
    }
    for (path, why) in &report.failed_exports {
        say!("  NOT removed: {} ({why}); delete it by hand", path.display());
    }
    say!("  replaced: the project key, so nothing in this project can open {id}'s files in an older backup");
    say!("Outside verbatim's reach:");
    say!("  - backups and synced copies of this project made before now still hold {id}'s files and the old");
    say!("    project key, locked by your passphrase: delete them (or their {id} folder), as you promised");
    say!("  - files you made from {id}'s data yourself: decrypted audio (`verbatim decrypt`), copies of exports,");
    say!("    notes and printouts");
    if report.failed_exports.is_empty() { Ok(ExitCode::SUCCESS) } else { Ok(ExitCode::FAILURE) }
}

fn list(items: &[String]) -> String {
    if items.is_empty() { String::new() } else { format!(" ({})", items.join(", ")) }
}

/// `verbatim passphrase DIR`: re-encrypts the project key under a new passphrase.
pub fn change_passphrase(dir: &Path) -> Result<ExitCode> {
    let project = Project::open(dir)?;
    let keyring = project.unlock(&passphrase::ask(dir)?)?;
    let new = passphrase::ask_replacement()?;
    keyring.change_passphrase(&new)?;
    say!("The passphrase of {} is changed. Nothing else was re-encrypted.", dir.display());
    say!("Backups made before now still open with the old passphrase: replace or delete them.");
    Ok(ExitCode::SUCCESS)
}

/// `verbatim shred DIR [--yes]`: the end of the project.
pub fn shred(dir: &Path, yes: bool) -> Result<ExitCode> {
    use std::io::{BufRead, IsTerminal};
    let project = Project::open(dir)?;
    if !yes && !std::io::stdin().is_terminal() {
        bail!(
            "shredding {} cannot be undone; confirm on a terminal, or add --yes (nothing was changed)",
            dir.display()
        );
    }
    // A wrong passphrase stops here, with nothing changed.
    let keyring = project.unlock(&passphrase::ask(dir)?)?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !yes {
        let participants = project.participants()?;
        say!("This destroys the project {} for good:", dir.display());
        say!("  - every key: the project's and {} participant(s)' ({})", participants.len(), participants.join(", "));
        say!("  - every recording, transcript and note in it");
        say!("  - {} file(s) exported from it", keyring.exports()?.len());
        say!("Type {name} to go ahead, or anything else to keep everything:");
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != name {
            say!("Nothing was changed.");
            return Ok(ExitCode::FAILURE);
        }
    }
    let report = keyring.shred()?;
    say!("Shredded {}:", dir.display());
    say!("  removed: {} keys (overwritten, then deleted) and the project folder", report.keys);
    say!("  removed: the data of {} participant(s){}", report.participants.len(), list(&report.participants));
    for path in &report.deleted_exports {
        say!("  removed: {}", path.display());
    }
    for path in &report.missing_exports {
        say!("  already gone: {} (moved or deleted outside verbatim)", path.display());
    }
    for (path, why) in &report.failed_exports {
        say!("  NOT removed: {} ({why}); delete it by hand", path.display());
    }
    say!("Outside verbatim's reach: backups and synced copies of the project (they open with the passphrase:");
    say!("delete them, as the data management plan requires), and files you decrypted or copied yourself.");
    Ok(if report.failed_exports.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `verbatim key add-supervisor DIR age1…`.
pub fn add_supervisor(dir: &Path, recipient: &str) -> Result<ExitCode> {
    let project = Project::open(dir)?;
    // A typo in the key is found before the passphrase is asked.
    let recipient = verbatim::crypto::parse_recipient(recipient, Path::new("the command line"))?;
    let mut keyring = project.unlock(&passphrase::ask(dir)?)?;
    keyring.add_supervisor(&recipient)?;
    say!("The supervisor's key now opens {} (via {}).", dir.display(), verbatim::project::SUPERVISOR_IDENTITY_FILE);
    say!("They read it with the standard age tool:  age -d -i supervisor.key identity.supervisor.age > project.key");
    say!("Like the passphrase, their key opens backups made before a `forget`; `forget` still removes a");
    say!("participant from the live project for them too.");
    Ok(ExitCode::SUCCESS)
}

/// `verbatim key remove-supervisor DIR age1…`.
pub fn remove_supervisor(dir: &Path, recipient: &str) -> Result<ExitCode> {
    let project = Project::open(dir)?;
    let recipient = verbatim::crypto::parse_recipient(recipient, Path::new("the command line"))?;
    project.require_supervisor(&recipient)?;
    let passphrase = passphrase::ask(dir)?;
    project.unlock(&passphrase)?.remove_supervisor(&recipient, &passphrase)?;
    say!("Removed the supervisor and replaced the project key: their key no longer opens the project,");
    say!("nor the key of anyone added from now on. A participant key they already decrypted still opens that");
    say!("participant's recordings, and backups made before now open with their key: ask them to delete such copies.");
    Ok(ExitCode::SUCCESS)
}
