//! Conformance: the C2SP CCTV age test vectors, run through verbatim's own decrypt path.
//!
//! The vectors live in `tests/testdata/cctv/` (see the README there for provenance and
//! licence). The parser and the expectations follow the upstream harness in the `age` crate
//! (`age-0.12.1/tests/testkit.rs`), but every vector goes through `crypto::decrypt_bytes` or
//! `crypto::decrypt_with_passphrase`, and each CCTV outcome is mapped to one `CryptoError`
//! variant below (`expected`). Every vector is checked; failures are collected and reported by
//! vector name at the end.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use verbatim::crypto::{self, CryptoError, Identity, SecretString};
use zeroize::Zeroizing;

/// Number of vectors vendored from age-0.12.1; a missing or extra file fails the test.
const VECTOR_COUNT: usize = 123;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Expect {
    Success,
    PayloadFailure,
    HeaderFailure,
    HmacFailure,
    NoMatch,
    ArmorFailure,
}

/// What verbatim's decrypt path must return for a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Plaintext,
    Damaged,
    BadHeader,
    NoMatchingKey,
    WrongPassphrase,
}

struct Vector {
    name: String,
    expect: Expect,
    payload: Option<[u8; 32]>,
    identities: Vec<String>,
    passphrases: Vec<String>,
    armored: bool,
    age_file: Vec<u8>,
}

fn parse(name: &str, raw: &[u8]) -> Result<Vector, String> {
    let end = raw.windows(2).position(|w| w == b"\n\n").ok_or("no blank line after the header")?;
    let header = std::str::from_utf8(&raw[..end]).map_err(|e| format!("header is not UTF-8: {e}"))?;
    let body = &raw[end + 2..];
    let mut v = Vector {
        name: name.to_string(),
        expect: Expect::Success,
        payload: None,
        identities: Vec::new(),
        passphrases: Vec::new(),
        armored: false,
        age_file: Vec::new(),
    };
    let (mut expect, mut compressed) = (None, false);
    for line in header.lines() {
        let (key, value) = line.split_once(": ").ok_or_else(|| format!("bad header line {line:?}"))?;
        match key {
            "expect" => {
                expect = Some(match value {
                    "success" => Expect::Success,
                    "payload failure" => Expect::PayloadFailure,
                    "header failure" => Expect::HeaderFailure,
                    "HMAC failure" => Expect::HmacFailure,
                    "no match" => Expect::NoMatch,
                    "armor failure" => Expect::ArmorFailure,
                    other => return Err(format!("unknown expectation {other:?}")),
                })
            }
            "payload" => {
                let bytes = hex::decode(value).map_err(|e| format!("payload hash: {e}"))?;
                v.payload = Some(bytes.try_into().map_err(|_| "payload hash is not 32 bytes")?);
            }
            "identity" => v.identities.push(value.to_string()),
            "passphrase" => v.passphrases.push(value.to_string()),
            "armored" => v.armored = value == "yes",
            "compressed" if value == "zlib" => compressed = true,
            "file key" | "comment" => {}
            _ => return Err(format!("unknown header line {line:?}")),
        }
    }
    v.expect = expect.ok_or("no expect: line")?;
    if matches!(v.expect, Expect::Success | Expect::PayloadFailure) && v.payload.is_none() {
        return Err("no payload: line".to_string());
    }
    if compressed {
        flate2::read::ZlibDecoder::new(body).read_to_end(&mut v.age_file).map_err(|e| format!("zlib: {e}"))?;
    } else {
        v.age_file = body.to_vec();
    }
    Ok(v)
}

/// The explicit mapping from a CCTV expectation to what verbatim's decrypt path returns.
fn expected(v: &Vector) -> Outcome {
    // verbatim never reads ASCII-armored (PEM) files: it hands the bytes straight to
    // `age::Decryptor::new_buffered`, with no `ArmoredReader`. So every armored vector, even
    // the ones CCTV expects to decrypt, must be refused at the header with no plaintext out.
    if v.armored {
        return Outcome::BadHeader;
    }
    match v.expect {
        Expect::Success => Outcome::Plaintext,
        Expect::PayloadFailure => Outcome::Damaged,
        // Known upstream exception (mirrors age's testkit.rs): the age crate still parses
        // legacy stanzas without an explicit short final line, so these two decrypt.
        Expect::HeaderFailure if ["stanza_missing_body", "stanza_missing_final_line"].contains(&v.name.as_str()) => {
            Outcome::Plaintext
        }
        // A header MAC mismatch (age's InvalidMac) is reported like any other altered header.
        Expect::HeaderFailure | Expect::HmacFailure => Outcome::BadHeader,
        // `scrypt_uppercase` uses the stanza tag `Scrypt`, which age does not treat as a
        // passphrase stanza; our passphrase path then refuses the file as "expected a
        // passphrase-protected file" (BadHeader) instead of reporting a wrong passphrase.
        Expect::NoMatch if v.name == "scrypt_uppercase" => Outcome::BadHeader,
        Expect::NoMatch if !v.passphrases.is_empty() => Outcome::WrongPassphrase,
        Expect::NoMatch => Outcome::NoMatchingKey,
        // Armor failures are all armored, handled above.
        Expect::ArmorFailure => Outcome::BadHeader,
    }
}

fn outcome(result: &Result<Zeroizing<Vec<u8>>, CryptoError>) -> Result<Outcome, String> {
    Ok(match result {
        Ok(_) => Outcome::Plaintext,
        Err(CryptoError::Damaged(_)) => Outcome::Damaged,
        Err(CryptoError::BadHeader { .. }) => Outcome::BadHeader,
        Err(CryptoError::NoMatchingKey { .. }) => Outcome::NoMatchingKey,
        Err(CryptoError::WrongPassphrase { .. }) => Outcome::WrongPassphrase,
        Err(other) => return Err(format!("unexpected error variant: {other:?}")),
    })
}

fn identities(v: &Vector, path: &Path) -> Result<Vec<Identity>, String> {
    v.identities
        .iter()
        .map(|text| crypto::parse_identity_text(text, path).map_err(|e| format!("identity: {e}")))
        .collect()
}

/// Decrypts as verbatim would: one passphrase, or each identity in turn (one per key file).
fn decrypt(v: &Vector, path: &Path) -> Result<Result<Zeroizing<Vec<u8>>, CryptoError>, String> {
    if let Some(passphrase) = v.passphrases.first() {
        // verbatim asks for one passphrase; `scrypt_double` lists two but fails at the header.
        return Ok(crypto::decrypt_with_passphrase(&v.age_file, &SecretString::from(passphrase.clone()), path));
    }
    let mut ids = identities(v, path)?;
    if ids.is_empty() {
        // `empty` and `armor_empty` name no key: they must fail at the header whatever key we
        // hold, so try an unrelated fresh one.
        ids.push(crypto::generate_identity());
    }
    let mut last = None;
    for id in &ids {
        match crypto::decrypt_bytes(id, &v.age_file, path) {
            Err(e @ CryptoError::NoMatchingKey { .. }) => last = Some(Err(e)),
            other => return Ok(other),
        }
    }
    // NoMatchingKey from every identity means "no match".
    last.ok_or_else(|| "no identity was tried".to_string())
}

/// Payload failures: redo the read with `age::Decryptor` + `crypto::read_to_end_checked` and
/// check that what reached the sink before the error is exactly the vector's `payload:`, i.e.
/// only whole authenticated chunks are released, and that the damage report agrees.
fn check_released(v: &Vector, path: &Path, from_decrypt: &CryptoError) -> Result<(), String> {
    let ids = identities(v, path)?;
    let mut reader = age::Decryptor::new_buffered(&v.age_file[..])
        .and_then(|d| d.decrypt(ids.iter().map(|i| i as &dyn age::Identity)))
        .map_err(|e| format!("age refused the header of a payload-failure vector: {e}"))?;
    let mut sink = Vec::new();
    let sealed_len = v.age_file.len() as u64;
    let start = crypto::payload_start(&v.age_file);
    let err = match crypto::read_to_end_checked(&mut reader, &mut sink, sealed_len, start, path) {
        Ok(n) => return Err(format!("read_to_end_checked read {n} bytes to the end without error")),
        Err(e) => e,
    };
    if Some(<[u8; 32]>::from(Sha256::digest(&sink))) != v.payload {
        return Err(format!("the {} bytes released before the error do not hash to payload:", sink.len()));
    }
    match (&err, from_decrypt) {
        (CryptoError::Damaged(d), CryptoError::Damaged(d2)) if d == d2 && d.intact_bytes == sink.len() as u64 => Ok(()),
        _ => Err(format!("damage reports disagree: read_to_end_checked {err:?}, decrypt_bytes {from_decrypt:?}")),
    }
}

fn check(v: &Vector) -> Result<(), String> {
    let path = PathBuf::from(format!("cctv/{}.age", v.name));
    let want = expected(v);
    let result = decrypt(v, &path)?;
    let got = outcome(&result)?;
    if got != want {
        let detail = match &result {
            Ok(plain) => format!("{} bytes of plaintext", plain.len()),
            Err(e) => e.to_string(),
        };
        return Err(format!("expected {want:?}, got {got:?} ({detail})"));
    }
    match result {
        Ok(plain) => {
            let hash = Sha256::digest(&plain[..]);
            if v.payload.is_some_and(|want| hash[..] != want[..]) {
                return Err("plaintext does not hash to payload:".to_string());
            }
        }
        Err(e) => {
            let shown = e.to_string();
            if !shown.contains(&path.display().to_string()) {
                return Err(format!("error message does not name the file: {shown}"));
            }
            if want == Outcome::Damaged {
                check_released(v, &path, &e)?;
            }
        }
    }
    Ok(())
}

#[test]
fn cctv_age_vectors_through_verbatim_decrypt() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/cctv");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("reading tests/testdata/cctv")
        .map(|entry| entry.expect("listing tests/testdata/cctv").file_name().to_string_lossy().into_owned())
        .filter(|name| name != "README.md")
        .collect();
    names.sort();
    assert_eq!(names.len(), VECTOR_COUNT, "the vendored CCTV vector set changed");

    let mut passed: BTreeMap<(Expect, bool), usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for name in &names {
        let raw = std::fs::read(dir.join(name)).expect("reading a vector");
        let result = parse(name, &raw).and_then(|v| check(&v).map(|()| (v.expect, v.armored)));
        match result {
            Ok(key) => *passed.entry(key).or_default() += 1,
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    for ((expect, armored), count) in &passed {
        println!("{expect:?}{}: {count} passed", if *armored { " (armored)" } else { "" });
    }
    assert!(failures.is_empty(), "{} of {} CCTV vectors failed:\n{}", failures.len(), names.len(), failures.join("\n"));
}
