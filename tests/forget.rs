//! Withdrawal of consent through the real binary: a backup taken before `forget` stays closed
//! to everything the live project holds afterwards, exports are deleted, the other participant
//! is untouched, and bad requests change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::*;
use verbatim::crypto::{self, Identity};
use verbatim::project::Project;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/demo/interview.wav");

fn opens(identity: &Identity, path: &Path) -> bool {
    crypto::decrypt_bytes(identity, &std::fs::read(path).unwrap(), path).is_ok()
}

/// The keys a live project holds: its project key and every participant's key.
fn live_keys(project: &Path) -> Vec<Identity> {
    let project = Project::open(project).unwrap();
    let mut keyring = project.unlock(&PASS.to_string().into()).unwrap();
    let mut keys = vec![keyring.project_identity().clone()];
    for id in project.participants().unwrap() {
        keys.push(keyring.participant(&id).unwrap().clone());
    }
    keys
}

#[test]
fn forget_crypto_shreds_every_copy_the_live_project_could_open() {
    let s = Scratch::new();
    ok(verbatim().args(["participant", "add"]).arg(s.project()).arg("P02"));
    let p01 = s.import(Path::new(DEMO));
    ok(verbatim().arg("import").arg(s.project()).arg(DEMO).args(["--participant", "P02"]));
    let exports = s.path("exports");
    ok(verbatim().arg("export").arg(s.project()).arg(&p01).args(["--format", "txt,json", "-o"]).arg(&exports));
    let p02_key = s.path("P02.key");
    ok(verbatim().args(["key", "export"]).arg(s.project()).args(["--participant", "P02", "-o"]).arg(&p02_key));
    let p01_key = s.path("P01.key");
    ok(verbatim().args(["key", "export"]).arg(s.project()).args(["--participant", "P01", "-o"]).arg(&p01_key));
    let p01_wav = s.path("p01.wav");
    ok(verbatim().arg("decrypt").arg(s.project()).arg(&p01).args(["-o"]).arg(&p01_wav));
    let p02_id = s.sessions().iter().find(|r| r["participant"] == "P02").unwrap()["id"].as_str().unwrap().to_string();
    ok(verbatim().arg("decrypt").arg(s.project()).arg(&p02_id).args(["-o"]).arg(s.path("p02-before.wav")));

    // The backup: a full copy, taken before the withdrawal.
    let backup = s.path("backup");
    copy_dir(&s.project(), &backup);
    let backup_p01: Vec<PathBuf> = files(&backup.join("participants/P01"));
    assert!(backup_p01.len() >= 4, "key, recipient, audio, meta: {backup_p01:?}");
    let old_keys = live_keys(&s.project());
    assert!(
        backup_p01
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "age"))
            .all(|p| old_keys.iter().any(|k| opens(k, p))),
        "before: the live keys open P01's backup"
    );

    let out = ok(verbatim().arg("forget").arg(s.project()).args(["P01", "--yes"]));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("Forgot P01") && report.contains(&format!("1 session(s) ({p01})")), "{report}");
    assert!(report.contains("Outside verbatim's reach") && report.contains("backups"), "{report}");
    for path in
        [exports.join(format!("{p01}.txt.age")), exports.join(format!("{p01}.json.age")), p01_key.clone(), p01_wav]
    {
        assert!(!path.exists(), "{} was deleted", path.display());
        assert!(report.contains(&format!("removed: {}", path.display())), "{report}");
    }
    assert!(!s.project().join("participants/P01").exists());
    assert!(p02_key.exists(), "P02's exported key is P02's, not P01's");

    // Nothing the live project holds opens any of P01's files in the backup.
    let keys = live_keys(&s.project());
    assert_eq!(keys.len(), 2, "the project key and P02's");
    for path in backup_p01.iter().filter(|p| p.extension().is_some_and(|e| e == "age")) {
        for key in &keys {
            assert!(!opens(key, path), "{} opens with a live key", path.display());
        }
    }
    assert_ne!(keys[0].to_public().to_string(), old_keys[0].to_public().to_string(), "the project key was replaced");

    // A new P01 gets a new key that opens none of the old P01's files.
    ok(verbatim().args(["participant", "add"]).arg(s.project()).arg("P01"));
    let project = Project::open(&s.project()).unwrap();
    let mut keyring = project.unlock(&PASS.to_string().into()).unwrap();
    let new_p01 = keyring.participant(&code("P01")).unwrap().clone();
    for path in backup_p01.iter().filter(|p| p.extension().is_some_and(|e| e == "age")) {
        assert!(!opens(&new_p01, path), "{}", path.display());
    }

    // P02 is untouched: same key, sessions decrypt bit-identically, and their key opens none of P01's.
    let p02 = keyring.participant(&code("P02")).unwrap().clone();
    assert_eq!(p02.to_public().to_string(), old_keys[2].to_public().to_string());
    ok(verbatim().arg("decrypt").arg(s.project()).arg(&p02_id).args(["-o"]).arg(s.path("p02-after.wav")));
    assert_eq!(std::fs::read(s.path("p02-before.wav")).unwrap(), std::fs::read(s.path("p02-after.wav")).unwrap());
    let audio =
        files(&s.project().join("participants/P02")).into_iter().find(|p| p.ends_with("audio.wav.age")).unwrap();
    tool("age", &["-d", "-i", p02_key.to_str().unwrap(), "-o", "/dev/null", audio.to_str().unwrap()]);
    for path in backup_p01.iter().filter(|p| p.extension().is_some_and(|e| e == "age")) {
        let out = std::process::Command::new("age").args(["-d", "-i"]).arg(&p02_key).arg(path).output().unwrap();
        assert!(!out.status.success(), "P02's exported key opens {}", path.display());
    }
    ok(verbatim().arg("verify").arg(s.project()));
}

#[test]
fn bad_requests_change_nothing() {
    let s = Scratch::new();
    let before = files(&s.project());
    let snapshot = |files: &[PathBuf]| -> Vec<Vec<u8>> { files.iter().map(|p| std::fs::read(p).unwrap()).collect() };
    let bytes = snapshot(&before);
    let err = fails(verbatim().arg("forget").arg(s.project()).args(["P09", "--yes"]));
    assert!(err.contains("no participant \"P09\"") && err.contains("known: P01"), "{err}");
    let err = fails(verbatim().arg("forget").arg(s.project()).args(["kari@example.org", "--yes"]));
    assert!(err.contains("email"), "{err}");
    let err =
        fails(verbatim().arg("forget").arg(s.project()).args(["P01", "--yes"]).env("VERBATIM_PASSPHRASE", "wrong"));
    assert!(err.to_lowercase().contains("passphrase"), "{err}");
    // Without a terminal and without --yes, nothing is deleted.
    let err = fails(verbatim().arg("forget").arg(s.project()).arg("P01").stdin(std::process::Stdio::null()));
    assert!(err.contains("--yes") && err.contains("nothing was changed"), "{err}");
    assert_eq!(files(&s.project()), before);
    assert_eq!(snapshot(&before), bytes);
}

#[test]
fn an_interrupted_rotation_is_finished_at_the_next_unlock() {
    let s = Scratch::new();
    ok(verbatim().args(["participant", "add"]).arg(s.project()).arg("P02"));
    let id = s.import(Path::new(DEMO));
    let project = Project::open(&s.project()).unwrap();
    let mut keyring = project.unlock(&PASS.to_string().into()).unwrap();
    let p01 = keyring.participant(&code("P01")).unwrap().to_public().to_string();
    drop(keyring);
    // As if `forget` died right after taking the lock: adding is refused, unlocking finishes.
    std::fs::write(s.project().join(".rotating"), "").unwrap();
    let err = fails(verbatim().args(["participant", "add"]).arg(s.project()).arg("P03"));
    assert!(err.contains("being replaced") && err.contains("Nothing was changed"), "{err}");
    let listed = ok(verbatim().arg("sessions").arg(s.project()));
    assert!(String::from_utf8_lossy(&listed.stdout).contains(&id));
    assert!(!s.project().join(".rotating").exists());
    let project = Project::open(&s.project()).unwrap();
    let mut keyring = project.unlock(&PASS.to_string().into()).unwrap();
    assert_eq!(keyring.participant(&code("P01")).unwrap().to_public().to_string(), p01, "participant keys survive");
    ok(verbatim().args(["participant", "add"]).arg(s.project()).arg("P03"));
}

#[test]
fn a_new_passphrase_rewraps_only_the_project_key() {
    let s = Scratch::new();
    s.import(Path::new(DEMO));
    let before: Vec<(PathBuf, Vec<u8>)> =
        files(&s.project()).into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect();
    let new = "a brand new passphrase";
    let err = fails(
        verbatim()
            .arg("passphrase")
            .arg(s.project())
            .env("VERBATIM_PASSPHRASE", "wrong passphrase")
            .env("VERBATIM_NEW_PASSPHRASE", new),
    );
    assert!(err.to_lowercase().contains("passphrase"), "{err}");
    let err = fails(verbatim().arg("passphrase").arg(s.project()).env("VERBATIM_NEW_PASSPHRASE", "short"));
    assert!(err.contains("shorter than 8") && err.contains("nothing was changed"), "{err}");
    ok(verbatim().arg("passphrase").arg(s.project()).env("VERBATIM_NEW_PASSPHRASE", new));
    for (path, bytes) in &before {
        let same = std::fs::read(path).unwrap() == *bytes;
        assert_eq!(same, !path.ends_with("proj/identity.age"), "{}", path.display());
    }
    let err = fails(verbatim().arg("sessions").arg(s.project()));
    assert!(err.to_lowercase().contains("passphrase"), "the old passphrase no longer opens it: {err}");
    ok(verbatim().arg("sessions").arg(s.project()).env("VERBATIM_PASSPHRASE", new));
}

#[test]
fn shred_destroys_keys_data_and_exports_and_a_wrong_passphrase_changes_nothing() {
    let s = Scratch::new();
    let id = s.import(Path::new(DEMO));
    let exports = s.path("exports");
    ok(verbatim()
        .arg("export")
        .arg(s.project())
        .arg(&id)
        .args(["--format", "txt", "--plaintext", "-o"])
        .arg(format!("{}/", exports.display())));
    let exported = exports.join(format!("{id}.txt"));
    assert!(exported.exists());
    let before = files(&s.project());
    let err =
        fails(verbatim().arg("shred").arg(s.project()).arg("--yes").env("VERBATIM_PASSPHRASE", "wrong passphrase"));
    assert!(err.to_lowercase().contains("passphrase"), "{err}");
    let err = fails(verbatim().arg("shred").arg(s.project()).stdin(std::process::Stdio::null()));
    assert!(err.contains("--yes") && err.contains("nothing was changed"), "{err}");
    assert_eq!(files(&s.project()), before);
    assert!(exported.exists());

    let out = ok(verbatim().arg("shred").arg(s.project()).arg("--yes"));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.contains("removed: 2 keys") && report.contains(&format!("removed: {}", exported.display())),
        "{report}"
    );
    assert!(report.contains("backups"), "{report}");
    assert!(!s.project().exists() && !exported.exists());
}

/// Runs the standard `age` tool; true if it decrypted.
fn age_opens(key: &Path, file: &Path, out: &Path) -> bool {
    std::process::Command::new("age")
        .args(["-d", "-i"])
        .arg(key)
        .arg("-o")
        .arg(out)
        .arg(file)
        .status()
        .unwrap()
        .success()
}

#[test]
fn a_supervisor_opens_the_project_with_their_own_key_and_forget_still_shreds_for_them() {
    let s = Scratch::new();
    let id = s.import(Path::new(DEMO));
    let sup_key = s.path("supervisor.key");
    tool("age-keygen", &["-o", sup_key.to_str().unwrap()]);
    let text = std::fs::read_to_string(&sup_key).unwrap();
    let public = text.lines().find_map(|l| l.strip_prefix("# public key: ")).unwrap().to_string();
    let err = fails(verbatim().args(["key", "add-supervisor"]).arg(s.project()).arg("age1notakey"));
    assert!(err.contains("not an age public key"), "{err}");
    ok(verbatim().args(["key", "add-supervisor"]).arg(s.project()).arg(&public));
    assert!(std::fs::read_to_string(s.project().join("verbatim.toml")).unwrap().contains(&public));

    // With only their key and the standard age tool: project key, then P01's, then the audio.
    let (project_key, p01_key) = (s.path("project.key"), s.path("p01.key"));
    assert!(age_opens(&sup_key, &s.project().join("identity.supervisor.age"), &project_key));
    assert!(age_opens(&project_key, &s.project().join("participants/P01/identity.age"), &p01_key));
    assert!(age_opens(&p01_key, &s.session_dir(&id).join("audio.wav.age"), &s.path("audio.wav")));

    let backup = s.path("backup");
    copy_dir(&s.project(), &backup);
    ok(verbatim().args(["participant", "add"]).arg(s.project()).arg("P02"));
    ok(verbatim().arg("forget").arg(s.project()).args(["P01", "--yes"]));
    // The live project gives the supervisor the new project key, which opens P02 but not P01's backup.
    let new_key = s.path("project-new.key");
    assert!(age_opens(&sup_key, &s.project().join("identity.supervisor.age"), &new_key));
    assert_ne!(std::fs::read(&new_key).unwrap(), std::fs::read(&project_key).unwrap());
    assert!(age_opens(&new_key, &s.project().join("participants/P02/identity.age"), &s.path("p02.key")));
    assert!(!age_opens(&new_key, &backup.join("participants/P01/identity.age"), &s.path("x.key")));
    // The documented trade-off: the backup's own supervisor copy still opens that backup.
    assert!(age_opens(&sup_key, &backup.join("identity.supervisor.age"), &s.path("old.key")));
    assert!(age_opens(&s.path("old.key"), &backup.join("participants/P01/identity.age"), &s.path("y.key")));

    // Removing them: a key that is not a supervisor's is refused before the passphrase is asked.
    let other = s.path("other.key");
    tool("age-keygen", &["-o", other.to_str().unwrap()]);
    let other_text = std::fs::read_to_string(&other).unwrap();
    let other_public = other_text.lines().find_map(|l| l.strip_prefix("# public key: ")).unwrap();
    let before = std::fs::read(s.project().join("identity.age")).unwrap();
    let err = fails(
        verbatim()
            .args(["key", "remove-supervisor"])
            .arg(s.project())
            .arg(other_public)
            .env("VERBATIM_PASSPHRASE", "not it"),
    );
    assert!(err.contains("is not a supervisor of this project") && err.contains(&public), "{err}");
    assert_eq!(std::fs::read(s.project().join("identity.age")).unwrap(), before, "nothing changed");
    let out = ok(verbatim().args(["key", "remove-supervisor"]).arg(s.project()).arg(&public));
    assert!(String::from_utf8_lossy(&out.stdout).contains("replaced the project key"));
    assert!(!std::fs::read_to_string(s.project().join("verbatim.toml")).unwrap().contains(&public));
    assert!(!s.project().join("identity.supervisor.age").exists(), "their sealed copy is gone");
    // The project key they held no longer opens the live participant keys; the project still works.
    assert!(!age_opens(&new_key, &s.project().join("participants/P02/identity.age"), &s.path("z.key")));
    ok(verbatim().args(["participant", "add"]).arg(s.project()).arg("P03"));
    assert!(!age_opens(&new_key, &s.project().join("participants/P03/identity.age"), &s.path("w.key")));
    ok(verbatim().arg("verify").arg(s.project()));
}
