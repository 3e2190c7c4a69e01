//! Audio import: any bytes as a file for `ImportSource::open`, then decoded (or copied) into an
//! encrypted audio file, as `verbatim import` does.
//!
//! The input and the output live in one folder per process under the temp directory (set
//! `TMPDIR=/dev/shm` to keep the writer's fsyncs off a disk).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use verbatim::audio::import::ImportSource;
use verbatim::audio::store::EncryptedAudioWriter;
use verbatim::crypto::{Recipient, generate_identity};

/// Larger inputs are skipped: a few KB already reach every decoder path.
const MAX_INPUT: usize = 1024 * 1024;

struct Scratch {
    input: PathBuf,
    output: PathBuf,
    recipient: Recipient,
}

fn scratch() -> &'static Scratch {
    static SCRATCH: OnceLock<Scratch> = OnceLock::new();
    SCRATCH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("verbatim-fuzz-audio-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("cannot create the fuzz scratch folder");
        Scratch {
            input: dir.join("input"),
            output: dir.join("audio.wav.age"),
            recipient: generate_identity().to_public(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let s = scratch();
    std::fs::write(&s.input, data).expect("cannot write the fuzz input file");
    let Ok(source) = ImportSource::open(&s.input) else { return };
    let spec = source.spec();
    spec.validate().expect("an opened source has a storable layout");
    let _ = source.codec();
    match std::fs::remove_file(&s.output) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("cannot remove the last output: {e}"),
    }
    let mut writer = EncryptedAudioWriter::create(&s.output, &s.recipient, spec).expect("cannot create the output");
    if let Ok(report) = source.copy_into(&mut writer) {
        assert_eq!(report.frames, writer.frames());
        writer.finish().expect("cannot finish the output");
    }
});
