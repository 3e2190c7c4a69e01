//! Modes and actions: the names keymap files use, with the docs the help screen shows.
//!
//! Each screen has its own action type, declared with `actions!` (below), one row per action (name,
//! doc, modes), so each screen's `perform` matches exactly its own actions. Adding an action:
//! its row here, its arm in the screen's `perform`, a binding in `keymaps/default.toml` and a
//! line in `keymaps/README.md`.

use crate::model::MarkerKind;

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
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::Record => "record",
            Mode::Review => "review",
            Mode::ReviewNormal => "review_normal",
        }
    }

    /// The mode a keymap file names `name`, if any.
    pub(crate) fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.iter().copied().find(|m| m.name() == name)
    }

    /// Actions that must keep at least one key in this mode, each with what breaks otherwise.
    ///
    /// A user file can unbind anything, so without this check a typo could leave the
    /// interviewer on a screen they cannot leave or get help on.
    pub(crate) fn required(self) -> &'static [(Action, &'static str)] {
        match self {
            Mode::Record => &[
                (Action::Record(RecordAction::StopRecording), "the recording could not be stopped"),
                (Action::Record(RecordAction::Help), "the key help could not be opened"),
            ],
            Mode::Review => &[
                (Action::Review(ReviewAction::Quit), "the review screen could not be left"),
                (Action::Review(ReviewAction::Help), "the key help could not be opened"),
                (Action::Review(ReviewAction::TogglePlay), "playback could not be started or stopped"),
            ],
            // Optional: the review mode's own keys stay reachable from it (see the review screen).
            Mode::ReviewNormal => &[],
        }
    }
}

/// Declares a screen's action enum from one row per action: `Variant => "name", "doc",
/// [modes];` (the doc is also the variant's rustdoc), or for a family of actions with a parameter, `Variant(Type) => [modes];`, where
/// `Type` lists its values (`all()`) and names and documents each (`action_name()`,
/// `action_doc()`). Generates the enum, `all()` in row order, `name()`, `doc()` and `modes()`.
macro_rules! actions {
    ($(#[$meta:meta])* $vis:vis enum $Enum:ident { $($rows:tt)* }) => {
        actions!(@row [$(#[$meta])* $vis $Enum] [out p] [] [] [] [] [] $($rows)*);
    };
    (@row $head:tt [$out:ident $p:ident] [$($vars:tt)*] [$($all:tt)*] [$($names:tt)*] [$($docs:tt)*] [$($modes:tt)*]
        $(#[$vmeta:meta])* $V:ident => $name:literal, $doc:literal, [$($mode:ident),+]; $($rest:tt)*) => {
        actions!(@row $head [$out $p]
            [$($vars)* $(#[$vmeta])* #[doc = $doc] $V,]
            [$($all)* $out.push(Self::$V);]
            [$($names)* Self::$V => $name,]
            [$($docs)* Self::$V => $doc,]
            [$($modes)* Self::$V => &[$(Mode::$mode),+],]
            $($rest)*);
    };
    (@row $head:tt [$out:ident $p:ident] [$($vars:tt)*] [$($all:tt)*] [$($names:tt)*] [$($docs:tt)*] [$($modes:tt)*]
        $(#[$vmeta:meta])* $V:ident($T:ty) => [$($mode:ident),+]; $($rest:tt)*) => {
        actions!(@row $head [$out $p]
            [$($vars)* $(#[$vmeta])* $V($T),]
            [$($all)* $out.extend(<$T>::all().map(Self::$V));]
            [$($names)* Self::$V($p) => $p.action_name(),]
            [$($docs)* Self::$V($p) => $p.action_doc(),]
            [$($modes)* Self::$V(_) => &[$(Mode::$mode),+],]
            $($rest)*);
    };
    (@row [$(#[$meta:meta])* $vis:vis $Enum:ident] [$out:ident $p:ident] [$($vars:tt)*] [$($all:tt)*] [$($names:tt)*]
        [$($docs:tt)*] [$($modes:tt)*]) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $Enum { $($vars)* }

        impl $Enum {
            /// Every action, in the order the help screen lists them.
            pub(crate) fn all() -> Vec<Self> {
                let mut $out = Vec::new();
                $($all)*
                $out
            }

            /// The name keymap files use for it, e.g. `marker.laughter`.
            pub(crate) fn name(self) -> &'static str {
                match self { $($names)* }
            }

            /// One-line description; the help screen shows it when no keymap row gives a `desc`.
            pub(crate) fn doc(self) -> &'static str {
                match self { $($docs)* }
            }

            /// The modes it can be bound in.
            pub(crate) fn modes(self) -> &'static [Mode] {
                match self { $($modes)* }
            }
        }
    };
}

/// A marker kind that one key makes (`marker.laughter`): its row in `model/marker.rs` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MarkKey(pub(crate) MarkerKind);

impl MarkKey {
    /// Every kind with a key.
    pub(crate) fn all() -> impl Iterator<Item = MarkKey> {
        MarkerKind::ALL.into_iter().filter(|k| k.row().key.is_some()).map(MarkKey)
    }

    fn action_name(self) -> &'static str {
        self.0.row().key.map_or("marker", |(name, _)| name)
    }

    fn action_doc(self) -> &'static str {
        self.0.row().key.map_or("Mark", |(_, doc)| doc)
    }
}

/// A speaker number, 1 to 9 (`speaker.3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpeakerKey(pub(crate) u8);

// Static tables so names and docs stay `&'static str`.
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

impl SpeakerKey {
    /// Speakers 1 to 9.
    pub(crate) fn all() -> impl Iterator<Item = SpeakerKey> {
        (1..=9).map(SpeakerKey)
    }

    fn index(self) -> usize {
        usize::from(self.0.clamp(1, 9) - 1)
    }

    fn action_name(self) -> &'static str {
        SPEAKER_NAMES[self.index()]
    }

    fn action_doc(self) -> &'static str {
        SPEAKER_DOCS[self.index()]
    }
}

actions! {
    /// What a key can do on the recording screen.
    pub enum RecordAction {
        /// Drop a marker of this kind now (a note opens a text field first).
        Mark(MarkKey) => [Record];
        UndoMarker => "marker.undo", "Undo the last marker", [Record];
        /// A speaker starts talking (focus groups).
        Speaker(SpeakerKey) => [Record];
        SpeakerInterviewer => "speaker.interviewer", "The interviewer starts talking", [Record];
        GuideNext => "guide.next", "Next guide question", [Record];
        GuidePrev => "guide.prev", "Previous guide question", [Record];
        GuideNextSection => "guide.next_section", "Next guide section", [Record];
        GuidePrevSection => "guide.prev_section", "Previous guide section", [Record];
        GuideAsked => "guide.asked", "Mark the selected question as asked now", [Record];
        TogglePause => "recording.pause", "Pause or resume recording", [Record];
        StopRecording => "recording.stop", "Stop recording and save (asks first)", [Record];
        Help => "help", "Show or hide the key help", [Record];
    }
}

actions! {
    /// What a key can do on the review screen.
    pub enum ReviewAction {
        /// Focus-group member speaks (first, as the help screen has always listed them).
        Speaker(SpeakerKey) => [Review, ReviewNormal];
        TogglePlay => "play.toggle", "Play or pause (resuming rewinds a little)", [Review, ReviewNormal];
        Play => "play.play", "Play (resuming rewinds a little)", [Review, ReviewNormal];
        Stop => "play.stop", "Stop playing", [Review, ReviewNormal];
        SkipBack => "play.back", "Skip back a little", [Review, ReviewNormal];
        SkipForward => "play.forward", "Skip forward a little", [Review, ReviewNormal];
        SkipBackLong => "play.back_long", "Skip back further", [Review, ReviewNormal];
        SkipForwardLong => "play.forward_long", "Skip forward further", [Review, ReviewNormal];
        Slower => "play.slower", "Play slower (pitch kept)", [Review, ReviewNormal];
        Faster => "play.faster", "Play faster (pitch kept)", [Review, ReviewNormal];
        ToggleLoop => "play.loop", "Loop the current segment on or off", [Review, ReviewNormal];
        JumpToTime => "play.jump", "Jump to a time (type it, Enter)", [Review, ReviewNormal];
        NextSegment => "segment.next", "Next segment", [Review, ReviewNormal];
        PrevSegment => "segment.prev", "Previous segment", [Review, ReviewNormal];
        Commit => "segment.commit", "Save the text and go to the next segment", [Review, ReviewNormal];
        Split => "segment.split", "Split the segment at the playhead", [Review, ReviewNormal];
        Merge => "segment.merge", "Merge the segment with the next", [Review, ReviewNormal];
        ToggleIdentifying => "segment.identifying",
            "Mark the segment identifying (anonymised in exports); again to unmark", [Review, ReviewNormal];
        StartEarlier => "segment.start_earlier", "Move the segment's start earlier", [Review, ReviewNormal];
        StartLater => "segment.start_later", "Move the segment's start later", [Review, ReviewNormal];
        EndEarlier => "segment.end_earlier", "Move the segment's end earlier", [Review, ReviewNormal];
        EndLater => "segment.end_later", "Move the segment's end later", [Review, ReviewNormal];
        NextMarker => "jump.next_marker", "Jump to the next marker", [Review, ReviewNormal];
        PrevMarker => "jump.prev_marker", "Jump to the previous marker", [Review, ReviewNormal];
        NextQuestion => "jump.next_question", "Jump to the next guide question", [Review, ReviewNormal];
        PrevQuestion => "jump.prev_question", "Jump to the previous guide question", [Review, ReviewNormal];
        NextPause => "jump.next_pause", "Jump to the next pause", [Review, ReviewNormal];
        PrevPause => "jump.prev_pause", "Jump to the previous pause", [Review, ReviewNormal];
        NextUnsure => "jump.next_unsure",
            "Jump to the next word the recogniser was unsure of (drafts)", [Review, ReviewNormal];
        SpeakerInterviewer => "speaker.interviewer", "Speaker: the interviewer (I)", [Review, ReviewNormal];
        SpeakerParticipant => "speaker.participant", "Speaker: the participant (their code)", [Review, ReviewNormal];
        RenameSpeaker => "speaker.rename", "Rename a speaker in every session", [Review, ReviewNormal];
        MergeSpeaker => "speaker.merge",
            "After a speaker key: every segment of the speaker it replaced gets the new one", [Review, ReviewNormal];
        InsertLaughter => "insert.laughter", "Insert laughter", [Review, ReviewNormal];
        InsertSigh => "insert.sigh", "Insert a sigh", [Review, ReviewNormal];
        InsertInaudible => "insert.inaudible", "Insert an inaudible passage with its time", [Review, ReviewNormal];
        InsertOverlap => "insert.overlap", "Insert overlapping speech", [Review, ReviewNormal];
        InsertTimestamp => "insert.timestamp", "Insert the playhead's time", [Review, ReviewNormal];
        StartTyping => "mode.insert", "Start typing (modal keymaps)", [ReviewNormal];
        StopTyping => "mode.normal", "Stop typing: letters are commands again (modal keymaps)", [Review];
        Help => "help", "Show or hide the key help", [Review, ReviewNormal];
        Quit => "quit", "Save and quit", [Review, ReviewNormal];
    }
}

/// Something a key can do, on either screen. `noop` is not an action: it is how a keymap file
/// unbinds a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// On the recording screen.
    Record(RecordAction),
    /// On the review screen.
    Review(ReviewAction),
}

/// The name keymap files use to unbind a key.
pub const NOOP: &str = "noop";

/// What `noop` does, for the README and error messages.
pub const NOOP_DOC: &str = "Unbind this key";

impl Action {
    /// Every action, in the order the help screen lists them: the recording screen's, then the
    /// review screen's.
    pub fn all() -> Vec<Action> {
        RecordAction::all()
            .into_iter()
            .map(Action::Record)
            .chain(ReviewAction::all().into_iter().map(Action::Review))
            .collect()
    }

    /// The name keymap files use for it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Action::Record(a) => a.name(),
            Action::Review(a) => a.name(),
        }
    }

    /// One-line description.
    pub(crate) fn doc(self) -> &'static str {
        match self {
            Action::Record(a) => a.doc(),
            Action::Review(a) => a.doc(),
        }
    }

    /// The modes it can be bound in.
    pub(crate) fn modes(self) -> &'static [Mode] {
        match self {
            Action::Record(a) => a.modes(),
            Action::Review(a) => a.modes(),
        }
    }

    /// Whether it can be bound in `mode`.
    pub(crate) fn is_valid_in(self, mode: Mode) -> bool {
        self.modes().contains(&mode)
    }

    /// Whether it names a speaker by number (the help screen folds these into one row).
    pub(crate) fn is_speaker(self) -> bool {
        matches!(self, Action::Record(RecordAction::Speaker(_)) | Action::Review(ReviewAction::Speaker(_)))
    }

    /// The action `name` means in `mode`; if it means none there, the action of that name on
    /// another screen (which the caller refuses, naming the modes it belongs to).
    pub(crate) fn from_name(name: &str, mode: Mode) -> Option<Action> {
        let mut named = Action::all().into_iter().filter(|a| a.name() == name);
        let first = named.next()?;
        Some(std::iter::once(first).chain(named).find(|a| a.is_valid_in(mode)).unwrap_or(first))
    }
}

/// The action names as an error message lists them, with the speakers folded into one item.
pub(crate) fn action_names_for_humans() -> String {
    let mut names: Vec<&str> = Vec::new();
    for action in Action::all().into_iter().filter(|a| !a.is_speaker()) {
        if !names.contains(&action.name()) {
            names.push(action.name());
        }
    }
    names.push("speaker.1 … speaker.9");
    names.push(NOOP);
    names.join(", ")
}

/// The known action name closest to `name`, if it is close enough to be a likely typo.
pub(crate) fn closest_action_name(name: &str) -> Option<&'static str> {
    let candidates = Action::all().into_iter().map(Action::name).chain([NOOP]);
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
