//! The first stage: pauses, speech and micro-pauses found in the audio ([`crate::analysis`]).

use std::path::Path;

use super::{AudioFingerprint, CacheKey, Stage, StageError, Workspace};
use crate::analysis::{self, ANALYSIS_VERSION, Analysis};
use crate::audio::store::EncryptedAudioReader;

/// Finds pauses and speech; no parameters (every level is relative to the room).
#[derive(Debug, Clone, Copy, Default)]
pub struct Pauses;

impl Stage for Pauses {
    const NAME: &'static str = "pauses";
    const FILE: &'static str = "analysis.json.age";
    const VERSION: u32 = ANALYSIS_VERSION;
    type Output = Analysis;

    fn run(
        &self,
        audio: &mut EncryptedAudioReader,
        _space: Workspace<'_>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Analysis, StageError> {
        Ok(analysis::analyze(audio, progress)?)
    }

    fn is_plausible(output: &Analysis, audio_bytes: u64) -> bool {
        output.is_plausible(audio_bytes)
    }

    /// verbatim 0.1 wrote `{"version": 1, "audio": …, "analysis": …}`, its version being the
    /// analysis version (1).
    fn migrate(version: u32, plain: &[u8], _path: &Path) -> Option<(CacheKey, Analysis)> {
        #[derive(serde::Deserialize)]
        struct V1 {
            audio: AudioFingerprint,
            analysis: Analysis,
        }
        if version != 1 {
            return None;
        }
        let old: V1 = serde_json::from_slice(plain).ok()?;
        let key = CacheKey {
            stage: Self::NAME.into(),
            version: 1,
            params: serde_json::Value::Null,
            audio: old.audio,
            inputs: Vec::new(),
        };
        Some((key, old.analysis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::generate_identity;
    use crate::model::Span;
    use crate::pipeline::{CACHE_FORMAT, load};

    use crate::analysis::test_analysis as analysis;

    #[test]
    fn a_version_1_cache_is_read_and_a_planted_or_stale_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(Pauses::FILE);
        let identity = generate_identity();
        let audio = AudioFingerprint { bytes: 6_000_000, head_tail_sha256: "00".into() };
        let key = CacheKey::of(&Pauses, &audio);
        // 0.1's cache is version 1 of this stage: read as such, and redone by this build.
        let key_v1 = CacheKey { version: 1, ..key.clone() };
        let write_v1 = |speech: Vec<Span>, audio: &AudioFingerprint| {
            let v1 = serde_json::json!({"version": 1, "audio": audio, "analysis": analysis(speech)});
            crate::store::write(&path, &identity.to_public(), &v1).unwrap();
        };
        // Found by `cargo fuzz run session_files`: overlapping speech spans in a cache made
        // segmenting subtract with overflow when the export read it.
        write_v1(vec![Span::ms(1_000, 4_000), Span::ms(5_200, 39_016), Span::ms(12_400, 44_000)], &audio);
        assert_eq!(load::<Pauses>(&path, &identity, &key_v1).unwrap(), None);
        write_v1(vec![Span::ms(1_000, 4_000), Span::ms(5_200, 44_000)], &audio);
        let read = load::<Pauses>(&path, &identity, &key_v1).unwrap().unwrap();
        assert_eq!(read.speech, [Span::ms(1_000, 4_000), Span::ms(5_200, 44_000)]);
        assert_eq!(load::<Pauses>(&path, &identity, &key).unwrap(), None, "version 1 is redone by version 2");
        // Other audio, or another version of the stage: not this layer.
        let other = AudioFingerprint { bytes: 6_000_001, ..audio.clone() };
        assert_eq!(
            load::<Pauses>(&path, &identity, &CacheKey { version: 1, ..CacheKey::of(&Pauses, &other) }).unwrap(),
            None
        );
        let newer = CacheKey { version: ANALYSIS_VERSION + 1, ..key.clone() };
        assert_eq!(load::<Pauses>(&path, &identity, &newer).unwrap(), None);
        // The current layout round-trips.
        let cached = serde_json::json!({"version": CACHE_FORMAT, "key": key, "output": analysis(vec![])});
        crate::store::write(&path, &identity.to_public(), &cached).unwrap();
        assert!(load::<Pauses>(&path, &identity, &key).unwrap().is_some());
    }
}
