//! Modes and actions: the names keymap files use, with the docs the help screen shows.

/// A screen with its own key bindings; each is one top-level table in a keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// The recording screen (`record = [ ... ]`).
    Record,
    /// The transcriber's review screen (`review = [ ... ]`). Printable keys type text there,
    /// so its bindings use function keys, Esc, arrows and Ctrl/Alt combinations.
    Review,
    /// The review screen when not typing (`review_normal = [ ... ]`), for modal keymaps such
    /// as `vim`: there letters are commands. Used only if a keymap binds something in it.
    ReviewNormal,
}

impl Mode {
    /// Every mode, in the order help and error messages list them.
    pub const ALL: &'static [Mode] = &[Mode::Record, Mode::Review, Mode::ReviewNormal];

    /// The top-level key naming this mode in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Record => "record",
            Mode::Review => "review",
            Mode::ReviewNormal => "review_normal",
        }
    }

    /// The mode a keymap file names `name`, if any.
    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.iter().copied().find(|m| m.name() == name)
    }

    /// Actions that must keep at least one key in this mode, each with what breaks otherwise.
    ///
    /// A user file can unbind anything, so without this check a typo could leave the
    /// interviewer on a screen they cannot leave or get help on.
    pub fn required(self) -> &'static [(Action, &'static str)] {
        match self {
            Mode::Record => &[
                (Action::StopRecording, "the recording could not be stopped"),
                (Action::Help, "the key help could not be opened"),
            ],
            Mode::Review => &[
                (Action::Quit, "the review screen could not be left"),
                (Action::Help, "the key help could not be opened"),
                (Action::TogglePlay, "playback could not be started or stopped"),
            ],
            // Optional: the review mode's own keys stay reachable from it (see `ReviewApp`).
            Mode::ReviewNormal => &[],
        }
    }
}

/// Something a key can do. `noop` is not an action: it is how a keymap file unbinds a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `marker.laughter`
    MarkLaughter,
    /// `marker.sigh`
    MarkSigh,
    /// `marker.long_pause`
    MarkLongPause,
    /// `marker.quote`
    MarkQuote,
    /// `marker.identifying`
    MarkIdentifying,
    /// `marker.follow_up`
    MarkFollowUp,
    /// `marker.note`
    MarkNote,
    /// `marker.undo`
    UndoMarker,
    /// `speaker.1` … `speaker.9`; only 1 to 9 have names.
    Speaker(u8),
    /// `guide.next`
    GuideNext,
    /// `guide.prev`
    GuidePrev,
    /// `guide.next_section`
    GuideNextSection,
    /// `guide.prev_section`
    GuidePrevSection,
    /// `guide.asked`
    GuideAsked,
    /// `recording.pause`
    TogglePause,
    /// `recording.stop`
    StopRecording,
    /// `help`
    Help,
    /// `play.toggle`
    TogglePlay,
    /// `play.play`
    Play,
    /// `play.stop`
    Stop,
    /// `play.back`
    SkipBack,
    /// `play.forward`
    SkipForward,
    /// `play.back_long`
    SkipBackLong,
    /// `play.forward_long`
    SkipForwardLong,
    /// `play.slower`
    Slower,
    /// `play.faster`
    Faster,
    /// `play.loop`
    ToggleLoop,
    /// `play.jump`
    JumpToTime,
    /// `segment.next`
    NextSegment,
    /// `segment.prev`
    PrevSegment,
    /// `segment.commit`
    Commit,
    /// `segment.split`
    Split,
    /// `segment.merge`
    Merge,
    /// `segment.identifying`
    ToggleIdentifying,
    /// `segment.start_earlier`
    StartEarlier,
    /// `segment.start_later`
    StartLater,
    /// `segment.end_earlier`
    EndEarlier,
    /// `segment.end_later`
    EndLater,
    /// `jump.next_marker`
    NextMarker,
    /// `jump.prev_marker`
    PrevMarker,
    /// `jump.next_question`
    NextQuestion,
    /// `jump.prev_question`
    PrevQuestion,
    /// `jump.next_pause`
    NextPause,
    /// `jump.prev_pause`
    PrevPause,
    /// `speaker.interviewer`
    SpeakerInterviewer,
    /// `speaker.participant`
    SpeakerParticipant,
    /// `speaker.rename`
    RenameSpeaker,
    /// `insert.laughter`
    InsertLaughter,
    /// `insert.sigh`
    InsertSigh,
    /// `insert.inaudible`
    InsertInaudible,
    /// `insert.overlap`
    InsertOverlap,
    /// `insert.timestamp`
    InsertTimestamp,
    /// `quit`
    Quit,
    /// `mode.insert`
    StartTyping,
    /// `mode.normal`
    StopTyping,
}

/// The name keymap files use to unbind a key.
pub const NOOP: &str = "noop";

/// What `noop` does, for the README and error messages.
pub const NOOP_DOC: &str = "Unbind this key";

// Static tables so `name()` and `doc()` stay `&'static str` for the speaker actions too.
const SPEAKER_NAMES: [&str; 9] = [
    "speaker.1",
    "speaker.2",
    "speaker.3",
    "speaker.4",
    "speaker.5",
    "speaker.6",
    "speaker.7",
    "speaker.8",
    "speaker.9",
];
const SPEAKER_DOCS: [&str; 9] = [
    "Speaker 1 starts talking",
    "Speaker 2 starts talking",
    "Speaker 3 starts talking",
    "Speaker 4 starts talking",
    "Speaker 5 starts talking",
    "Speaker 6 starts talking",
    "Speaker 7 starts talking",
    "Speaker 8 starts talking",
    "Speaker 9 starts talking",
];

impl Action {
    /// Every action, in the order the help screen lists them.
    pub const ALL: &'static [Action] = &[
        Action::MarkLaughter,
        Action::MarkSigh,
        Action::MarkLongPause,
        Action::MarkQuote,
        Action::MarkIdentifying,
        Action::MarkFollowUp,
        Action::MarkNote,
        Action::UndoMarker,
        Action::Speaker(1),
        Action::Speaker(2),
        Action::Speaker(3),
        Action::Speaker(4),
        Action::Speaker(5),
        Action::Speaker(6),
        Action::Speaker(7),
        Action::Speaker(8),
        Action::Speaker(9),
        Action::GuideNext,
        Action::GuidePrev,
        Action::GuideNextSection,
        Action::GuidePrevSection,
        Action::GuideAsked,
        Action::TogglePause,
        Action::StopRecording,
        Action::TogglePlay,
        Action::Play,
        Action::Stop,
        Action::SkipBack,
        Action::SkipForward,
        Action::SkipBackLong,
        Action::SkipForwardLong,
        Action::Slower,
        Action::Faster,
        Action::ToggleLoop,
        Action::JumpToTime,
        Action::NextSegment,
        Action::PrevSegment,
        Action::Commit,
        Action::Split,
        Action::Merge,
        Action::ToggleIdentifying,
        Action::StartEarlier,
        Action::StartLater,
        Action::EndEarlier,
        Action::EndLater,
        Action::NextMarker,
        Action::PrevMarker,
        Action::NextQuestion,
        Action::PrevQuestion,
        Action::NextPause,
        Action::PrevPause,
        Action::SpeakerInterviewer,
        Action::SpeakerParticipant,
        Action::RenameSpeaker,
        Action::InsertLaughter,
        Action::InsertSigh,
        Action::InsertInaudible,
        Action::InsertOverlap,
        Action::InsertTimestamp,
        Action::StartTyping,
        Action::StopTyping,
        Action::Help,
        Action::Quit,
    ];

    /// The name keymap files use for this action, e.g. `marker.laughter`.
    pub fn name(self) -> &'static str {
        match self {
            Action::MarkLaughter => "marker.laughter",
            Action::MarkSigh => "marker.sigh",
            Action::MarkLongPause => "marker.long_pause",
            Action::MarkQuote => "marker.quote",
            Action::MarkIdentifying => "marker.identifying",
            Action::MarkFollowUp => "marker.follow_up",
            Action::MarkNote => "marker.note",
            Action::UndoMarker => "marker.undo",
            Action::Speaker(n) => speaker_index(n).map_or("speaker.invalid", |i| SPEAKER_NAMES[i]),
            Action::GuideNext => "guide.next",
            Action::GuidePrev => "guide.prev",
            Action::GuideNextSection => "guide.next_section",
            Action::GuidePrevSection => "guide.prev_section",
            Action::GuideAsked => "guide.asked",
            Action::TogglePause => "recording.pause",
            Action::StopRecording => "recording.stop",
            Action::Help => "help",
            Action::TogglePlay => "play.toggle",
            Action::Play => "play.play",
            Action::Stop => "play.stop",
            Action::SkipBack => "play.back",
            Action::SkipForward => "play.forward",
            Action::SkipBackLong => "play.back_long",
            Action::SkipForwardLong => "play.forward_long",
            Action::Slower => "play.slower",
            Action::Faster => "play.faster",
            Action::ToggleLoop => "play.loop",
            Action::JumpToTime => "play.jump",
            Action::NextSegment => "segment.next",
            Action::PrevSegment => "segment.prev",
            Action::Commit => "segment.commit",
            Action::Split => "segment.split",
            Action::ToggleIdentifying => "segment.identifying",
            Action::Merge => "segment.merge",
            Action::StartEarlier => "segment.start_earlier",
            Action::StartLater => "segment.start_later",
            Action::EndEarlier => "segment.end_earlier",
            Action::EndLater => "segment.end_later",
            Action::NextMarker => "jump.next_marker",
            Action::PrevMarker => "jump.prev_marker",
            Action::NextQuestion => "jump.next_question",
            Action::PrevQuestion => "jump.prev_question",
            Action::NextPause => "jump.next_pause",
            Action::PrevPause => "jump.prev_pause",
            Action::SpeakerInterviewer => "speaker.interviewer",
            Action::SpeakerParticipant => "speaker.participant",
            Action::RenameSpeaker => "speaker.rename",
            Action::InsertLaughter => "insert.laughter",
            Action::InsertSigh => "insert.sigh",
            Action::InsertInaudible => "insert.inaudible",
            Action::InsertOverlap => "insert.overlap",
            Action::InsertTimestamp => "insert.timestamp",
            Action::Quit => "quit",
            Action::StartTyping => "mode.insert",
            Action::StopTyping => "mode.normal",
        }
    }

    /// One-line description; the help screen shows it when no keymap row gives a `desc`.
    pub fn doc(self) -> &'static str {
        match self {
            Action::MarkLaughter => "Mark laughter",
            Action::MarkSigh => "Mark a sigh",
            Action::MarkLongPause => "Mark a long pause",
            Action::MarkQuote => "Mark a key quote",
            Action::MarkIdentifying => "Mark: identifying, redact later",
            Action::MarkFollowUp => "Mark: follow up later",
            Action::MarkNote => "Type a note (Enter saves, Esc cancels)",
            Action::UndoMarker => "Undo the last marker",
            Action::Speaker(n) => speaker_index(n).map_or("Speaker (number out of range)", |i| SPEAKER_DOCS[i]),
            Action::GuideNext => "Next guide question",
            Action::GuidePrev => "Previous guide question",
            Action::GuideNextSection => "Next guide section",
            Action::GuidePrevSection => "Previous guide section",
            Action::GuideAsked => "Mark the selected question as asked now",
            Action::TogglePause => "Pause or resume recording",
            Action::StopRecording => "Stop recording and save (asks first)",
            Action::Help => "Show or hide the key help",
            Action::TogglePlay => "Play or pause (resuming rewinds a little)",
            Action::Play => "Play (resuming rewinds a little)",
            Action::Stop => "Stop playing",
            Action::SkipBack => "Skip back a little",
            Action::SkipForward => "Skip forward a little",
            Action::SkipBackLong => "Skip back further",
            Action::SkipForwardLong => "Skip forward further",
            Action::Slower => "Play slower (pitch kept)",
            Action::Faster => "Play faster (pitch kept)",
            Action::ToggleLoop => "Loop the current segment on or off",
            Action::JumpToTime => "Jump to a time (type it, Enter)",
            Action::NextSegment => "Next segment",
            Action::PrevSegment => "Previous segment",
            Action::Commit => "Save the text and go to the next segment",
            Action::Split => "Split the segment at the playhead",
            Action::ToggleIdentifying => "Mark the segment identifying (anonymised in exports); again to unmark",
            Action::Merge => "Merge the segment with the next",
            Action::StartEarlier => "Move the segment's start earlier",
            Action::StartLater => "Move the segment's start later",
            Action::EndEarlier => "Move the segment's end earlier",
            Action::EndLater => "Move the segment's end later",
            Action::NextMarker => "Jump to the next marker",
            Action::PrevMarker => "Jump to the previous marker",
            Action::NextQuestion => "Jump to the next guide question",
            Action::PrevQuestion => "Jump to the previous guide question",
            Action::NextPause => "Jump to the next pause",
            Action::PrevPause => "Jump to the previous pause",
            Action::SpeakerInterviewer => "Speaker: the interviewer (I)",
            Action::SpeakerParticipant => "Speaker: the participant (their code)",
            Action::RenameSpeaker => "Rename a speaker in every session",
            Action::InsertLaughter => "Insert laughter",
            Action::InsertSigh => "Insert a sigh",
            Action::InsertInaudible => "Insert an inaudible passage with its time",
            Action::InsertOverlap => "Insert overlapping speech",
            Action::InsertTimestamp => "Insert the playhead's time",
            Action::Quit => "Save and quit",
            Action::StartTyping => "Start typing (modal keymaps)",
            Action::StopTyping => "Stop typing: letters are commands again (modal keymaps)",
        }
    }

    /// The action a keymap file names `name`, if any (`noop` is not one).
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// The modes this action can be bound in.
    pub fn modes(self) -> &'static [Mode] {
        match self {
            Action::Help | Action::Speaker(_) => &[Mode::Record, Mode::Review, Mode::ReviewNormal],
            Action::StartTyping => &[Mode::ReviewNormal],
            Action::StopTyping => &[Mode::Review],
            Action::MarkLaughter
            | Action::MarkSigh
            | Action::MarkLongPause
            | Action::MarkQuote
            | Action::MarkIdentifying
            | Action::MarkFollowUp
            | Action::MarkNote
            | Action::UndoMarker
            | Action::GuideNext
            | Action::GuidePrev
            | Action::GuideNextSection
            | Action::GuidePrevSection
            | Action::GuideAsked
            | Action::TogglePause
            | Action::StopRecording => &[Mode::Record],
            _ => &[Mode::Review, Mode::ReviewNormal],
        }
    }

    /// Whether this action can be bound in `mode`.
    pub fn is_valid_in(self, mode: Mode) -> bool {
        self.modes().contains(&mode)
    }
}

fn speaker_index(n: u8) -> Option<usize> {
    (1..=9).contains(&n).then(|| usize::from(n - 1))
}

/// The action names as an error message lists them, with the speakers folded into one item.
pub(crate) fn action_names_for_humans() -> String {
    let mut names: Vec<&str> =
        Action::ALL.iter().filter(|a| !matches!(a, Action::Speaker(_))).map(|a| a.name()).collect();
    names.push("speaker.1 … speaker.9");
    names.push(NOOP);
    names.join(", ")
}

/// The known action name closest to `name`, if it is close enough to be a likely typo.
pub(crate) fn closest_action_name(name: &str) -> Option<&'static str> {
    let candidates = Action::ALL.iter().map(|a| a.name()).chain([NOOP]);
    let (best, distance) = candidates.map(|c| (c, edit_distance(name, c))).min_by_key(|&(_, d)| d)?;
    // A third of the name may be wrong; more than that is a different word, not a typo.
    (distance <= (best.chars().count() / 3).max(1)).then_some(best)
}

/// Levenshtein distance over chars; inputs are short names, so the quadratic cost is fine.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = Vec::with_capacity(b.len() + 1);
        row.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            row.push(substitute.min(prev[j + 1] + 1).min(row[j] + 1));
        }
        prev = row;
    }
    prev[b.len()]
}
