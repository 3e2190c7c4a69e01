//! Modes and actions: the names keymap files use, with the docs the help screen shows.

/// A screen with its own key bindings; each is one top-level table in a keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// The recording screen (`record = [ ... ]`).
    Record,
}

impl Mode {
    /// Every mode, in the order help and error messages list them.
    pub const ALL: &'static [Mode] = &[Mode::Record];

    /// The top-level key naming this mode in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Record => "record",
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
        Action::Help,
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
        }
    }

    /// The action a keymap file names `name`, if any (`noop` is not one).
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// The modes this action can be bound in.
    pub fn modes(self) -> &'static [Mode] {
        // Every action so far belongs to the recording screen; review actions (issue 5)
        // will list `Mode::Review` here, and shared ones like `help` both.
        &[Mode::Record]
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
