//! The review screen's edits to the transcript: speakers, tags, splits and merges, boundaries,
//! identifying passages, and speaker renames.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{NAME_LIMIT, Overlay, Playback, ReviewApp, TranscriptSink};
use crate::model::{Ms, Speaker, Tag, TagKind, Transcript};
use crate::tui::widgets::{Status, TextInput};

impl<P: Playback, S: TranscriptSink> ReviewApp<P, S> {
    pub(super) fn set_speaker(&mut self, speaker: Speaker) {
        let label = speaker.short_label(&self.context.participant).into_owned();
        if let Some(seg) = self.transcript.segments.get_mut(self.current) {
            self.last_fix = seg.speaker.clone().filter(|old| *old != speaker).map(|old| (old, speaker.clone()));
            seg.speaker = Some(speaker);
            seg.speaker_fixed = true;
            self.say(format!("speaker {label}"));
            self.changed();
        }
    }

    pub(super) fn insert_tag(&mut self, kind: TagKind, at: Option<Ms>) {
        if self.transcript.segments.get(self.current).is_some() {
            self.editor.insert_tag(Tag { kind, at, glued: false });
            self.edited();
        }
    }

    pub(super) fn insert_text(&mut self, text: &str) {
        if self.transcript.segments.get(self.current).is_some() {
            self.editor.insert_str(text);
            self.edited();
        }
    }

    pub(super) fn edit_segments(&mut self, edit: impl FnOnce(&mut Transcript, usize, Ms) -> bool, done: &str) {
        let at = self.transport.player.position();
        let ok = edit(&mut self.transcript, self.current, at);
        self.say(if ok { done } else { "not possible here" });
        if ok {
            let cursor = self.editor.cursor();
            self.select(self.current);
            while self.editor.cursor() > cursor {
                self.editor.handle(KeyEvent::new(KeyCode::Left, KeyModifiers::NONE));
            }
            self.save_now();
        }
    }

    pub(super) fn toggle_identifying(&mut self) {
        let Some(segment) = self.transcript.segments.get_mut(self.current) else { return };
        segment.identifying = !segment.identifying;
        let identifying = segment.identifying;
        self.say(if identifying {
            "identifying: its text stays out of exports and clips are silent here"
        } else {
            "no longer marked identifying"
        });
        self.save_now();
    }

    pub(super) fn nudge(&mut self, start: bool, earlier: bool) {
        let delta = if earlier { -self.settings.nudge_ms } else { self.settings.nudge_ms };
        let audio = self.transport.player.duration();
        if let Some(to) = self.transcript.nudge(self.current, start, delta, audio) {
            self.say(format!("{} at {to}", if start { "start" } else { "end" }));
            self.changed();
        }
    }

    /// After a speaker key fixed one segment (S2 → P01): every segment still with the old
    /// speaker takes the new one, so one voice that speaker detection split in two (or named
    /// wrongly) is mended in one key. The transcriber's decision: a re-run keeps it.
    pub(super) fn merge_speaker(&mut self) {
        let code = self.context.participant.clone();
        let Some((from, into)) = self.last_fix.take() else {
            return self.say("set one segment's speaker first (F6, F7, Alt+1…9); this key then gives every segment of its old speaker the same");
        };
        let mut merged = 0;
        for seg in self.transcript.segments.iter_mut().filter(|s| s.speaker.as_ref() == Some(&from)) {
            seg.speaker = Some(into.clone());
            seg.speaker_fixed = true;
            merged += 1;
        }
        let (from, into) = (from.short_label(&code).into_owned(), into.short_label(&code).into_owned());
        self.say(format!("{from} merged into {into}: {merged} more segments"));
        self.save_now();
    }

    pub(super) fn start_rename(&mut self) {
        let speaker = self.transcript.segments.get(self.current).and_then(|s| s.speaker.as_ref());
        match speaker {
            Some(speaker) => {
                let from = speaker.short_label(&self.context.participant).into_owned();
                self.overlay = Overlay::Rename { from, to: TextInput::new().with_limit(NAME_LIMIT) };
            }
            None => self.say("this segment has no speaker to rename"),
        }
    }

    /// Renames the speaker labelled `from` to `to` here and, through the project, everywhere.
    pub(super) fn rename(&mut self, from: &str, to: &str) {
        let code = self.context.participant.clone();
        let target = Speaker::from_label(to, &code);
        let mut renamed = 0;
        // S1, S2… are this session's own voices: an S2 elsewhere is someone else.
        let session_own =
            self.transcript.segments.iter().any(
                |s| matches!(&s.speaker, Some(speaker @ Speaker::Diarized(_)) if speaker.short_label(&code) == from),
            );
        for seg in &mut self.transcript.segments {
            if seg.speaker.as_ref().is_some_and(|s| s.short_label(&code) == from) {
                seg.speaker = Some(target.clone());
                seg.speaker_fixed = true;
                renamed += 1;
            }
        }
        self.save_now();
        let elsewhere = self.rename_elsewhere.as_mut().filter(|_| !session_own).map(|rename| rename(from, to));
        self.status = Some(match elsewhere {
            None => Status::info(format!("{from} is now {to} in {renamed} segments")),
            Some(Ok(more)) => {
                Status::info(format!("{from} is now {to}: {renamed} segments here, {more} in other sessions"))
            }
            Some(Err(why)) => Status::alarm(format!("{from} is now {to} here; NOT in other sessions: {why}")),
        });
    }
}
