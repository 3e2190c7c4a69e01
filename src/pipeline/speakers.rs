//! The third stage: who speaks when ([`crate::diarize`]), read from the pause layer's stretches of
//! voice, turned by the draft's words (when there is a draft) so every word has one speaker, and
//! named from what the session knows: live speaker keys, enrolled voices, guide questions.
//!
//! Decrypted audio exists only in memory, one stretch of voice at a time.

use std::cell::RefCell;

use zeroize::Zeroizing;

use super::{AudioFingerprint, CacheKey, Pauses, Stage, StageError, Workspace};
use crate::analysis::Analysis;
use crate::asr::InstalledModel;
use crate::audio::mono16k::Mono16k;
use crate::audio::store::EncryptedAudioReader;
use crate::diarize::embedder::cosine;
use crate::diarize::turns::Turn;
use crate::diarize::{self, DiarizeError, Embedder, KEY_LAG};
use crate::model::{Ms, ParticipantCode, Span, Speaker, VoiceProfile};

/// A guide question marked as asked names the voice talking within this long of the mark.
const QUESTION_REACH: Ms = Ms(3_000);

/// The speaker layer: each turn's speaker, and each voice found.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SpeakerLayer {
    /// The speaker model's name when it ran.
    pub model: String,
    /// The model file's SHA-256.
    pub model_sha256: String,
    /// How many voices were asked for.
    pub count: usize,
    /// The voices found, in order of first appearance.
    pub voices: Vec<Voice>,
    /// Who speaks when, in time order, covering the pause layer's speech.
    pub turns: Vec<SpeakerTurn>,
    /// Whether changes of speaker were moved into gaps between the draft's words.
    pub by_words: bool,
}

/// One voice the stage told apart.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Voice {
    /// Who it is.
    pub speaker: Speaker,
    /// How verbatim knows.
    pub named_by: NamedBy,
    /// How long it speaks, ms.
    pub speech_ms: u64,
    /// Its centre, to match enrolled voices (a voiceprint: kept sealed like the audio).
    pub centre: Vec<f32>,
}

/// How a voice got its name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamedBy {
    /// A live speaker key pressed while it talked.
    Key,
    /// An enrolled voice it matched, with the similarity in hundredths.
    Profile(u8),
    /// It talked when guide questions were marked as asked: the interviewer.
    Questions,
    /// In a one-to-one interview, the voice that talks less is taken to be the interviewer's.
    LessSpeech,
    /// In a one-to-one interview, the voice that is not the interviewer's.
    OneToOne,
    /// Nothing: numbered in order of first appearance.
    Unnamed,
}

/// A stretch of one speaker.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SpeakerTurn {
    /// When.
    #[serde(flatten)]
    pub span: Span,
    /// Who.
    pub speaker: Speaker,
    /// Someone else heard at the same time, if anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlap: Option<Speaker>,
}

/// Tells the speakers of a session apart and names them.
pub struct Speakers<'a> {
    /// The speaker model.
    pub model: &'a InstalledModel,
    /// Its loaded form, shared by every session of a run.
    pub embedder: &'a RefCell<Embedder>,
    /// The pause layer it reads.
    pub pauses: &'a Analysis,
    /// The draft's words, when there is a draft: turn changes move between them.
    pub words: Vec<Span>,
    /// Live speaker keys: when, which key.
    pub keys: Vec<(Ms, u8)>,
    /// When guide questions were marked as asked.
    pub questions: Vec<Ms>,
    /// How many voices to find.
    pub count: usize,
    /// Whether the session is a one-to-one interview (an interviewer and the participant).
    pub one_to_one: bool,
    /// Voices enrolled in the project (those of other speaker models are left out).
    pub profiles: &'a [VoiceProfile],
    /// The session's participant, whose code an enrolled voice may carry.
    pub participant: &'a ParticipantCode,
}

impl Stage for Speakers<'_> {
    const NAME: &'static str = "speakers";
    const FILE: &'static str = "speakers.json.age";
    const VERSION: u32 = 1;
    type Output = SpeakerLayer;

    fn params(&self) -> serde_json::Value {
        let words: Vec<(u64, u64)> = self.words.iter().map(|w| (w.start.0, w.end.0)).collect();
        let keys: Vec<(u64, u8)> = self.keys.iter().map(|(at, k)| (at.0, *k)).collect();
        let profiles: Vec<(&str, String)> = self
            .profiles
            .iter()
            .filter(|p| p.model_sha256 == self.model.info.sha256)
            .map(|p| (p.name.as_str(), sha256_hex(&f32_bytes(&p.embedding))))
            .collect();
        serde_json::json!({
            "model_sha256": self.model.info.sha256,
            "count": self.count,
            "one_to_one": self.one_to_one,
            "keys": keys,
            "questions": self.questions.iter().map(|q| q.0).collect::<Vec<_>>(),
            "profiles": profiles,
            "words_sha256": sha256_hex(&serde_json::to_vec(&words).unwrap_or_default()),
        })
    }

    fn inputs(&self, audio: &AudioFingerprint) -> Vec<CacheKey> {
        vec![CacheKey::of(&Pauses, audio)]
    }

    fn run(
        &self,
        audio: &mut EncryptedAudioReader,
        _space: Workspace<'_>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<SpeakerLayer, StageError> {
        let regions = &self.pauses.speech;
        check_count(self.count, regions.len())?;
        let mut reader = Mono16k::new(audio.spec().sample_rate).map_err(|e| DiarizeError::Audio(e.to_string()))?;
        let mut read = |span: Span, out: &mut Zeroizing<Vec<f32>>| {
            reader.append_span(audio, span, out).map_err(|e| DiarizeError::Audio(e.to_string()))
        };
        let anchors: Vec<(Ms, u32)> = self.keys.iter().map(|(at, k)| (*at, u32::from(*k))).collect();
        let mut embedder = self.embedder.borrow_mut();
        let found = diarize::diarize(regions, &mut read, &mut embedder, &anchors, self.count, &self.words, progress)?;
        let speakers = self.name(&found.turns, &found.centres);
        let mut speech_ms = vec![0u64; found.centres.len()];
        for turn in &found.turns {
            speech_ms[turn.voice] += turn.span.len().0;
        }
        let voices = speakers
            .iter()
            .zip(found.centres)
            .zip(speech_ms)
            .map(|(((speaker, named_by), centre), speech_ms)| Voice {
                speaker: speaker.clone(),
                named_by: named_by.clone(),
                speech_ms,
                centre,
            })
            .collect();
        let turns = found
            .turns
            .iter()
            .map(|t| SpeakerTurn {
                span: t.span,
                speaker: speakers[t.voice].0.clone(),
                overlap: t.overlap.map(|o| speakers[o].0.clone()),
            })
            .collect();
        Ok(SpeakerLayer {
            model: self.model.name.clone(),
            model_sha256: self.model.info.sha256.clone(),
            count: self.count,
            voices,
            turns,
            by_words: !self.words.is_empty(),
        })
    }

    fn is_plausible(output: &SpeakerLayer, _audio_bytes: u64) -> bool {
        let ordered = output.turns.windows(2).all(|w| w[0].span.end <= w[1].span.start);
        ordered && output.turns.iter().all(|t| t.span.start <= t.span.end)
    }
}

impl Speakers<'_> {
    /// Each voice's speaker and how it was named: keys first, then enrolled voices, then (in a
    /// one-to-one interview) the interviewer by guide questions or by talking less, then numbers.
    fn name(&self, turns: &[Turn], centres: &[Vec<f32>]) -> Vec<(Speaker, NamedBy)> {
        let mut names: Vec<Option<(Speaker, NamedBy)>> = vec![None; centres.len()];
        for (voice, key) in self.key_votes(turns, centres.len()) {
            names[voice] = Some((Speaker::of_key(key), NamedBy::Key));
        }
        for (voice, profile, similarity) in self.profile_matches(centres, &names) {
            let speaker = Speaker::from_profile_name(&self.profiles[profile].name, self.participant);
            names[voice] = Some((speaker, NamedBy::Profile((similarity * 100.0).round().clamp(0.0, 100.0) as u8)));
        }
        if self.one_to_one && centres.len() == 2 {
            let interviewer = names.iter().position(|n| matches!(n, Some((Speaker::Interviewer, _))));
            let interviewer = interviewer.map(|i| (i, None)).unwrap_or_else(|| self.guess_interviewer(turns));
            if let (i, Some(how)) = interviewer
                && names[i].is_none()
            {
                names[i] = Some((Speaker::Interviewer, how));
            }
            let other = 1 - interviewer.0;
            if names[other].is_none() && names[interviewer.0].as_ref().is_some_and(|n| n.0 == Speaker::Interviewer) {
                names[other] = Some((Speaker::Participant, NamedBy::OneToOne));
            }
        }
        let mut next = 1u16;
        names
            .into_iter()
            .map(|n| {
                n.unwrap_or_else(|| {
                    next += 1;
                    (Speaker::Diarized(next - 1), NamedBy::Unnamed)
                })
            })
            .collect()
    }

    /// The key each voice was named with most often, a key naming one voice only.
    fn key_votes(&self, turns: &[Turn], voices: usize) -> Vec<(usize, u8)> {
        let mut votes = vec![[0u32; 10]; voices];
        for &(at, key) in &self.keys {
            let turn = turns
                .iter()
                .find(|t| t.span.start <= at && at < t.span.end)
                .or_else(|| turns.iter().rev().find(|t| t.span.end <= at && at.0 - t.span.end.0 <= KEY_LAG.0));
            if let Some(turn) = turn {
                votes[turn.voice][usize::from(key.min(9))] += 1;
            }
        }
        let mut taken = [false; 10];
        let mut named = Vec::new();
        // Most-voted pairs first, so a key goes to the voice it was pressed for most.
        let mut pairs: Vec<(u32, usize, u8)> = votes
            .iter()
            .enumerate()
            .flat_map(|(v, keys)| keys.iter().enumerate().filter(|(_, n)| **n > 0).map(move |(k, n)| (*n, v, k as u8)))
            .collect();
        pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut voice_named = vec![false; voices];
        for (_, voice, key) in pairs {
            if !voice_named[voice] && !taken[usize::from(key)] {
                voice_named[voice] = true;
                taken[usize::from(key)] = true;
                named.push((voice, key));
            }
        }
        named
    }

    /// Enrolled voices matched to unnamed voices, most similar first, each used once.
    fn profile_matches(&self, centres: &[Vec<f32>], names: &[Option<(Speaker, NamedBy)>]) -> Vec<(usize, usize, f32)> {
        // An enrolled voice is recognised when a voice's centre is as similar as one voice's
        // recordings are to each other with this model.
        let same_voice = self.model.info.speaker.as_ref().map_or(1.0, |s| s.front_end.same_voice());
        let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
        for (v, centre) in centres.iter().enumerate().filter(|(v, _)| names[*v].is_none()) {
            let ours = self.profiles.iter().enumerate().filter(|(_, p)| p.model_sha256 == self.model.info.sha256);
            for (p, profile) in ours {
                let similarity = cosine(centre, &profile.embedding);
                if similarity >= same_voice {
                    pairs.push((similarity, v, p));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (mut used_v, mut used_p, mut matched) = (Vec::new(), Vec::new(), Vec::new());
        for (similarity, v, p) in pairs {
            if !used_v.contains(&v) && !used_p.contains(&p) {
                used_v.push(v);
                used_p.push(p);
                matched.push((v, p, similarity));
            }
        }
        matched
    }

    /// In a one-to-one interview with two voices: the interviewer is the voice talking when guide
    /// questions were marked as asked, else the one that talks less.
    fn guess_interviewer(&self, turns: &[Turn]) -> (usize, Option<NamedBy>) {
        let mut votes = [0u32; 2];
        for &at in &self.questions {
            let near = turns.iter().filter(|t| t.span.start.0 <= at.0 + 500 && at.0 <= t.span.end.0 + QUESTION_REACH.0);
            if let Some(turn) = near.min_by_key(|t| t.span.start.0.abs_diff(at.0)) {
                votes[turn.voice.min(1)] += 1;
            }
        }
        if votes[0] != votes[1] {
            return (usize::from(votes[1] > votes[0]), Some(NamedBy::Questions));
        }
        let mut speech = [0u64; 2];
        for turn in turns {
            speech[turn.voice.min(1)] += turn.span.len().0;
        }
        (usize::from(speech[1] < speech[0]), Some(NamedBy::LessSpeech))
    }
}

/// Refuses a number of voices the session cannot have.
fn check_count(count: usize, regions: usize) -> Result<(), DiarizeError> {
    if regions == 0 {
        return Err(DiarizeError::NoSpeech);
    }
    if count == 0 || count > regions {
        return Err(DiarizeError::Count { asked: count, regions });
    }
    Ok(())
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
