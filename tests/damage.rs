//! Damaged files: truncation at every byte offset of the last two chunks, and bit flips.
//! Never a panic, never an unauthenticated byte released, always the file and offset named.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::io::Write;
use std::path::Path;

use verbatim::audio::store::{AudioStoreError, EncryptedAudioReader, EncryptedAudioWriter, salvage};
use verbatim::audio::wav::{AudioSpec, SampleFormat};
use verbatim::crypto::{self, CHUNK_SIZE, CryptoError, Identity, SEALED_CHUNK_SIZE};
use verbatim::session::verify_audio;

const SPEC: AudioSpec =
    AudioSpec { sample_rate: 48_000, channels: 1, bits_per_sample: 16, sample_format: SampleFormat::Int };
const HEADER: usize = 44;

/// Writes `data_bytes` of a recognisable pattern; returns (sealed file bytes, plaintext).
fn make_file(dir: &Path, name: &str, identity: &Identity, data_bytes: usize) -> (Vec<u8>, Vec<u8>) {
    let path = dir.join(name);
    let mut w = EncryptedAudioWriter::create(&path, &identity.to_public(), SPEC).unwrap();
    let pcm: Vec<u8> = (0..data_bytes / 2).flat_map(|i| ((i as i64 * 7919 % 65_521) as i16).to_le_bytes()).collect();
    for block in pcm.chunks(960) {
        w.write_pcm(block).unwrap();
    }
    w.finish().unwrap();
    let mut plain = verbatim::audio::wav::header_bytes(&SPEC, None).unwrap();
    plain.extend_from_slice(&pcm);
    (std::fs::read(&path).unwrap(), plain)
}

fn decrypt_prefix(identity: &Identity, sealed: &[u8], path: &Path) -> (Vec<u8>, Result<u64, CryptoError>) {
    let mut out = Vec::new();
    let result = match age::Decryptor::new_buffered(sealed) {
        Ok(d) => match d.decrypt(std::iter::once(identity as &dyn age::Identity)) {
            Ok(mut reader) => crypto::read_to_end_checked(
                &mut reader,
                &mut out,
                sealed.len() as u64,
                crypto::payload_start(sealed),
                path,
            ),
            Err(_) => Err(CryptoError::NoMatchingKey { path: path.into() }),
        },
        Err(_) => Err(CryptoError::BadHeader { path: path.into(), reason: "header".into() }),
    };
    (out, result)
}

#[test]
fn truncation_at_every_byte_of_the_last_two_chunks_releases_only_whole_authenticated_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let id = crypto::generate_identity();
    // Two full chunks and a short final one.
    let (sealed, plain) = make_file(dir.path(), "a.age", &id, 2 * CHUNK_SIZE as usize + 5_000 - HEADER);
    let start = crypto::payload_start(&sealed);
    assert_eq!(sealed.len() as u64, start + 2 * SEALED_CHUNK_SIZE + 5_000 + 16);
    let path = Path::new("participants/P01/sessions/S/audio.wav.age");
    let first_cut = start + SEALED_CHUNK_SIZE;
    let mut checked = 0;
    for cut in first_cut..sealed.len() as u64 {
        let (released, result) = decrypt_prefix(&id, &sealed[..cut as usize], path);
        let expected_chunks = (cut - start) / SEALED_CHUNK_SIZE;
        assert_eq!(released.len() as u64, expected_chunks * CHUNK_SIZE, "cut at {cut}");
        assert!(released[..] == plain[..released.len()], "cut at {cut}: released bytes differ");
        match result {
            Err(CryptoError::Damaged(d)) => {
                assert_eq!(d.chunk, expected_chunks, "cut at {cut}");
                assert_eq!(d.offset, start + expected_chunks * SEALED_CHUNK_SIZE, "cut at {cut}");
                assert_eq!(d.intact_bytes, released.len() as u64);
                assert!(d.truncated, "cut at {cut} must read as a cut");
                let msg = CryptoError::Damaged(d.clone()).to_string();
                assert!(msg.contains("audio.wav.age") && msg.contains(&format!("at byte {}", d.offset)), "{msg}");
            }
            other => panic!("cut at {cut}: expected damage, got {other:?}"),
        }
        checked += 1;
    }
    assert_eq!(checked, SEALED_CHUNK_SIZE + 5_016);
    // The untouched file still decrypts whole.
    let (all, result) = decrypt_prefix(&id, &sealed, path);
    assert_eq!(result.unwrap(), plain.len() as u64);
    assert!(all == plain);
}

#[test]
fn bit_flips_anywhere_are_rejected_and_pinpointed() {
    let dir = tempfile::tempdir().unwrap();
    let id = crypto::generate_identity();
    let (sealed, plain) = make_file(dir.path(), "b.age", &id, 3 * CHUNK_SIZE as usize);
    let start = crypto::payload_start(&sealed) as usize;
    let path = Path::new("b.age");
    for pos in (0..sealed.len()).step_by(97).chain([0, start - 1, start, sealed.len() - 1]) {
        for bit in [0u8, 3, 7] {
            let mut bad = sealed.clone();
            bad[pos] ^= 1 << bit;
            let (released, result) = decrypt_prefix(&id, &bad, path);
            assert!(result.is_err(), "flip at {pos} bit {bit} went unnoticed");
            assert!(released[..] == plain[..released.len()], "flip at {pos}: released altered bytes");
            if pos >= start {
                let chunk = ((pos - start) as u64) / SEALED_CHUNK_SIZE;
                match result {
                    Err(CryptoError::Damaged(d)) => {
                        assert_eq!(d.chunk, chunk, "flip at {pos}");
                        assert_eq!(released.len() as u64, chunk * CHUNK_SIZE);
                    }
                    other => panic!("flip at {pos}: {other:?}"),
                }
            } else {
                assert!(released.is_empty(), "a header flip must release nothing");
            }
        }
    }
}

#[test]
fn interrupted_files_on_disk_are_refused_by_the_reader_and_salvaged_to_an_exact_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let id = crypto::generate_identity();
    let (sealed, plain) = make_file(dir.path(), "c.age", &id, 4 * CHUNK_SIZE as usize + 999);
    let start = crypto::payload_start(&sealed);
    let cuts = [
        start + 10,
        start + SEALED_CHUNK_SIZE,
        start + SEALED_CHUNK_SIZE + 1,
        start + 2 * SEALED_CHUNK_SIZE - 1,
        start + 3 * SEALED_CHUNK_SIZE + 4099,
        sealed.len() as u64 - 1,
    ];
    for (n, cut) in cuts.into_iter().enumerate() {
        let path = dir.path().join(format!("cut{n}.age"));
        std::fs::File::create(&path).unwrap().write_all(&sealed[..cut as usize]).unwrap();
        match EncryptedAudioReader::open(&path, &id) {
            Err(AudioStoreError::Interrupted { path: p, .. }) => assert_eq!(p, path),
            other => panic!("cut {cut}: expected Interrupted, got {:?}", other.err()),
        }
        let err = verify_audio(&path, &id).expect_err("verify must fail").to_string();
        assert!(err.contains(&path.display().to_string()) && err.contains("at byte"), "{err}");

        let out = dir.path().join(format!("salvaged{n}.age"));
        let report = salvage(&path, &id, &id.to_public(), SPEC, &out).unwrap();
        let intact = (cut - start) / SEALED_CHUNK_SIZE * CHUNK_SIZE;
        let expected_frames = intact.saturating_sub(HEADER as u64) / 2;
        assert_eq!(report.frames, expected_frames, "cut {cut}");
        assert_eq!(report.lost_tail_bytes, (cut - start) % SEALED_CHUNK_SIZE, "cut {cut}");
        // Not finalised: the bound covers the cut chunk and one chunk that was still buffered.
        assert!(report.lost_frames_estimate >= CHUNK_SIZE / 2, "cut {cut}: {report:?}");
        let mut reader = EncryptedAudioReader::open(&out, &id).unwrap();
        let mut pcm = vec![0u8; reader.frames() as usize * 2];
        reader.read_pcm(&mut pcm).unwrap();
        assert!(pcm[..] == plain[HEADER..HEADER + pcm.len()], "cut {cut}: not an exact prefix");
    }
}

#[test]
fn a_damaged_middle_chunk_becomes_silence_and_later_audio_keeps_its_time() {
    let dir = tempfile::tempdir().unwrap();
    let id = crypto::generate_identity();
    let (mut sealed, plain) = make_file(dir.path(), "d.age", &id, 6 * CHUNK_SIZE as usize);
    let start = crypto::payload_start(&sealed) as usize;
    sealed[start + 2 * SEALED_CHUNK_SIZE as usize + 100] ^= 0x20;
    let path = dir.path().join("flipped.age");
    std::fs::write(&path, &sealed).unwrap();
    let out = dir.path().join("fixed.age");
    let report = salvage(&path, &id, &id.to_public(), SPEC, &out).unwrap();
    assert_eq!(report.silenced_frames, CHUNK_SIZE / 2);
    assert_eq!(report.lost_frames_estimate, 0);
    let mut reader = EncryptedAudioReader::open(&out, &id).unwrap();
    assert_eq!(reader.frames(), (plain.len() - HEADER) as u64 / 2);
    let mut pcm = vec![0u8; reader.frames() as usize * 2];
    reader.read_pcm(&mut pcm).unwrap();
    let bad = 2 * CHUNK_SIZE as usize - HEADER..3 * CHUNK_SIZE as usize - HEADER;
    assert!(pcm[bad.clone()].iter().all(|b| *b == 0), "the damaged chunk must be silent");
    assert!(pcm[..bad.start] == plain[HEADER..HEADER + bad.start]);
    assert!(pcm[bad.end..] == plain[HEADER + bad.end..], "audio after the damage must keep its position");
}

#[test]
fn seeking_is_sample_exact_at_chunk_boundaries_and_random_points() {
    let dir = tempfile::tempdir().unwrap();
    let id = crypto::generate_identity();
    let (_, plain) = make_file(dir.path(), "e.age", &id, 5 * CHUNK_SIZE as usize + 1234);
    let mut reader = EncryptedAudioReader::open(&dir.path().join("e.age"), &id).unwrap();
    let total = reader.frames();
    let boundary = (CHUNK_SIZE - HEADER as u64) / 2; // first frame of chunk 1
    for frame in [0, 1, boundary - 1, boundary, boundary + 1, total / 2, total - 480, total - 1, 77_777 % total] {
        reader.seek_frame(frame).unwrap();
        let mut buf = vec![0u8; 480 * 2];
        let got = reader.read_pcm(&mut buf).unwrap();
        assert_eq!(got as u64, 480.min(total - frame), "at {frame}");
        let at = HEADER + frame as usize * 2;
        assert!(buf[..got * 2] == plain[at..at + got * 2], "seek to {frame} returned other samples");
        assert_eq!(reader.position(), frame + got as u64);
    }
    reader.seek_frame(total + 100).unwrap();
    assert_eq!(reader.read_pcm(&mut [0u8; 64]).unwrap(), 0, "reading at the end yields nothing");
}

#[test]
fn a_cut_file_with_a_damaged_middle_chunk_keeps_every_later_authenticated_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let id = crypto::generate_identity();
    let (mut sealed, plain) = make_file(dir.path(), "f.age", &id, 6 * CHUNK_SIZE as usize);
    let start = crypto::payload_start(&sealed) as usize;
    let sealed_chunk = SEALED_CHUNK_SIZE as usize;
    sealed[start + sealed_chunk + 7] ^= 0x01; // damage chunk 1
    sealed[start + 3 * sealed_chunk + 9] ^= 0x01; // and chunk 3
    sealed.truncate(start + 5 * sealed_chunk + 1000); // cut inside chunk 5: no final chunk
    let path = dir.path().join("cut-and-flipped.age");
    std::fs::write(&path, &sealed).unwrap();
    let out = dir.path().join("fixed.age");
    let report = salvage(&path, &id, &id.to_public(), SPEC, &out).unwrap();
    assert_eq!(report.silenced_frames, 2 * CHUNK_SIZE / 2, "two chunks silenced");
    assert_eq!(report.lost_tail_bytes, 1000);
    let mut reader = EncryptedAudioReader::open(&out, &id).unwrap();
    assert_eq!(reader.frames(), (5 * CHUNK_SIZE as usize - HEADER) as u64 / 2, "chunks 0 to 4 keep their place");
    let mut pcm = vec![0u8; reader.frames() as usize * 2];
    reader.read_pcm(&mut pcm).unwrap();
    let c = CHUNK_SIZE as usize;
    for k in 0..5 {
        let range = (k * c).saturating_sub(HEADER)..(k + 1) * c - HEADER;
        let expected: &[u8] =
            if k == 1 || k == 3 { &vec![0u8; range.len()] } else { &plain[range.start + HEADER..range.end + HEADER] };
        assert!(pcm[range.clone()] == *expected, "chunk {k}");
    }
}
