//! The review screen as text and as behaviour, with a fake player and a fake saver.

use std::cell::RefCell;
use std::rc::Rc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use std::sync::Arc;

use super::{Overlay, Playback, ReviewApp, ReviewSettings, SessionContext, TranscriptSink};
use crate::audio::player::PlaybackProblem;
use crate::keymap::Keymap;
use crate::model::{Mark, Marker, Ms, QuestionRef, Span, Speaker, Transcript};
use crate::store::SealedError;
use crate::tui::{Event, Screen};

/// A player whose clock moves only when a test says so; it records what it was told.
#[derive(Default)]
struct FakePlayer {
    at_ms: u64,
    playing: bool,
    speed: f32,
    seeks: Vec<u64>,
}

impl Playback for FakePlayer {
    fn position(&self) -> Ms {
        Ms(self.at_ms)
    }
    fn duration(&self) -> Ms {
        Ms(60_000)
    }
    fn is_playing(&self) -> bool {
        self.playing
    }
    fn play(&mut self) {
        self.playing = true;
    }
    fn pause(&mut self) {
        self.playing = false;
    }
    fn seek(&mut self, at: Ms) {
        self.at_ms = at.0;
        self.seeks.push(at.0);
    }
    fn set_speed(&mut self, speed: f32) {
        self.speed = speed;
    }
    fn problem(&self) -> Option<PlaybackProblem> {
        None
    }
}

/// Keeps every saved snapshot.
#[derive(Default, Clone)]
struct Saved(Rc<RefCell<Vec<Transcript>>>);

impl TranscriptSink for Saved {
    fn save(&mut self, transcript: &Transcript) {
        self.0.borrow_mut().push(transcript.clone());
    }
    fn failure(&mut self) -> Option<Arc<SealedError>> {
        None
    }
}

const SEGMENTS: [(u64, u64); 6] =
    [(400, 4_800), (5_600, 10_800), (11_700, 14_800), (15_500, 17_500), (18_700, 24_700), (25_100, 29_900)];

fn app_with(saved: &Saved) -> ReviewApp<FakePlayer, Saved> {
    let pieces = SEGMENTS
        .iter()
        .enumerate()
        .map(|(i, &(start, end))| (Span::ms(start, end), Some(Speaker::Numbered(if i % 3 == 0 { 1 } else { 2 }))));
    let pauses = vec![
        Span::ms(4_800, 5_600),
        Span::ms(10_800, 11_700),
        Span::ms(14_800, 15_500),
        Span::ms(17_500, 18_700),
        Span::ms(24_700, 25_100),
    ];
    let quote = Marker::at(Mark::Quote, 7_200 * 48, 48_000);
    let asked = QuestionRef { section: 0, question: 0 };
    let question = Marker::at(
        Mark::Question { question: asked, text: Some("Kan du fortelle om jobben?".into()) },
        300 * 48,
        48_000,
    );
    let laughter = Marker::at(Mark::Laughter, 21_000 * 48, 48_000);
    let identifying = Marker::at(Mark::Identifying, 26_000 * 48, 48_000);
    let context = SessionContext {
        session: "20261122T101500Z-P03".parse().unwrap(),
        participant: "P03".parse().unwrap(),
        pauses,
        markers: vec![laughter, question, identifying, quote],
    };
    ReviewApp::new(
        FakePlayer { speed: 1.0, ..FakePlayer::default() },
        saved.clone(),
        Transcript::from_pieces(pieces),
        Keymap::defaults().unwrap(),
        ReviewSettings::default(),
        context,
    )
}

fn app() -> ReviewApp<FakePlayer, Saved> {
    app_with(&Saved::default())
}

fn press(app: &mut ReviewApp<FakePlayer, Saved>, code: KeyCode, modifiers: KeyModifiers) {
    app.update(Event::Key(KeyEvent::new(code, modifiers)));
}

fn typed(app: &mut ReviewApp<FakePlayer, Saved>, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

fn render(app: &ReviewApp<FakePlayer, Saved>, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| app.draw(f)).unwrap();
    terminal.backend().to_string()
}

/// Three segments typed and committed, the fourth half typed.
fn half_done(saved: &Saved) -> ReviewApp<FakePlayer, Saved> {
    let mut app = app_with(saved);
    for text in
        ["Kan du fortelle litt om jobben din?", "Ja, jeg jobber som erfaringskonsulent.", "Hvordan er en vanlig dag?"]
    {
        typed(&mut app, text);
        press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    }
    typed(&mut app, "Det finnes vel ingen");
    app.transport.player.at_ms = 16_200;
    app.transport.player.playing = false;
    app
}

#[test]
fn empty_transcript_screen() {
    insta::assert_snapshot!("review_empty", render(&app(), 100, 30));
}

#[test]
fn half_done_screen_with_markers_and_pauses_inline() {
    let saved = Saved::default();
    let app = half_done(&saved);
    insta::assert_snapshot!("review_half_done", render(&app, 100, 30));
}

#[test]
fn help_overlay_comes_from_the_live_keymap() {
    let mut app = app();
    press(&mut app, KeyCode::F(10), KeyModifiers::NONE);
    assert_eq!(app.overlay, Overlay::Help);
    let screen = render(&app, 100, 60);
    assert!(screen.contains("Play or pause (resuming rewinds a little)") && screen.contains("C-q"), "{screen}");
    insta::assert_snapshot!("review_help", screen);
    press(&mut app, KeyCode::Char('x'), KeyModifiers::NONE);
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.transcript().segments[0].text(), "", "the key that closes help types nothing");
}

#[test]
fn help_fits_a_small_terminal_in_two_columns() {
    let mut app = app();
    press(&mut app, KeyCode::F(10), KeyModifiers::NONE);
    let screen = render(&app, 100, 30);
    assert!(screen.contains("Save and quit") && screen.contains("Play or pause"), "{screen}");
    insta::assert_snapshot!("review_help_100x30", screen);
}

#[test]
fn narrow_terminal_screen() {
    let saved = Saved::default();
    insta::assert_snapshot!("review_80x24", render(&half_done(&saved), 80, 24));
}

#[test]
fn typing_and_enter_save_and_move_on_playing_the_next_segment() {
    let saved = Saved::default();
    let app = half_done(&saved);
    let t = app.transcript();
    assert_eq!(t.segments[1].text(), "Ja, jeg jobber som erfaringskonsulent.");
    assert_eq!(t.progress(), (3, 6));
    assert_eq!(t.segments[3].text(), "Det finnes vel ingen");
    // One save per commit, each with the text so far.
    let snapshots = saved.0.borrow();
    assert_eq!(snapshots.len(), 3);
    assert_eq!(snapshots[2].segments[2].text(), "Hvordan er en vanlig dag?");
    assert!(snapshots[2].segments[2].done && !snapshots[2].segments[3].done);
    // Each commit sought the next segment's start and played it.
    assert_eq!(app.transport.player.seeks, [5_600, 11_700, 15_500]);
}

#[test]
fn resuming_rewinds_and_skips_and_speed_move_the_playhead() {
    let mut app = app();
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    app.transport.player.at_ms = 10_000;
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.transport.player.playing);
    assert_eq!(app.transport.player.at_ms, 8_000, "resume rewinds 2 s");
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    app.transport.player.at_ms = 6_000;
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(app.transport.player.at_ms, 5_600, "but not back past the segment's start");
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(!app.transport.player.playing);
    app.transport.player.at_ms = 8_000;
    press(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    assert_eq!(app.transport.player.at_ms, 6_500);
    press(&mut app, KeyCode::F(2), KeyModifiers::SHIFT);
    assert_eq!(app.transport.player.at_ms, 11_500);
    assert_eq!(app.current, 1, "a skip into a pause keeps the segment before it");
    press(&mut app, KeyCode::F(2), KeyModifiers::NONE);
    assert_eq!((app.transport.player.at_ms, app.current), (13_000, 2), "the highlighted segment follows a skip");
    for _ in 0..20 {
        press(&mut app, KeyCode::F(4), KeyModifiers::NONE);
    }
    assert_eq!(app.transport.player.speed, 2.0);
    for _ in 0..10 {
        press(&mut app, KeyCode::F(3), KeyModifiers::NONE);
    }
    assert_eq!(app.transport.player.speed, 1.0);
}

#[test]
fn segments_split_merge_and_take_speakers_and_annotations() {
    let saved = Saved::default();
    let mut app = app_with(&saved);
    typed(&mut app, "ja");
    app.transport.player.at_ms = 2_000;
    press(&mut app, KeyCode::Char('x'), KeyModifiers::ALT);
    assert_eq!(app.transcript().segments.len(), 7);
    assert_eq!(
        (app.transcript().segments[0].span.end, app.transcript().segments[1].span.start),
        (Ms(2_000), Ms(2_000))
    );
    press(&mut app, KeyCode::Char('j'), KeyModifiers::ALT);
    assert_eq!(app.transcript().segments.len(), 6);
    press(&mut app, KeyCode::F(7), KeyModifiers::NONE);
    assert_eq!(app.transcript().segments[0].speaker, Some(Speaker::Participant));
    press(&mut app, KeyCode::Char('4'), KeyModifiers::ALT);
    assert_eq!(app.transcript().segments[0].speaker, Some(Speaker::Numbered(4)));
    press(&mut app, KeyCode::Char('l'), KeyModifiers::ALT);
    press(&mut app, KeyCode::Char('j'), KeyModifiers::CONTROL);
    assert_eq!(app.transcript().segments[0].text(), "ja[laughter][00:00:02]");
    // Rename L4 everywhere it appears.
    press(&mut app, KeyCode::F(8), KeyModifiers::NONE);
    typed(&mut app, "Kari");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(app.transcript().segments[0].speaker, Some(Speaker::Named("Kari".into())));
    // Ctrl+Q saves what is typed and quits.
    press(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert!(app.should_quit());
    assert_eq!(saved.0.borrow().last().unwrap().segments[0].text(), "ja[laughter][00:00:02]");
}

#[test]
fn a_segment_marked_identifying_is_saved_survives_a_split_and_shows_red() {
    let saved = Saved::default();
    let mut app = app_with(&saved);
    press(&mut app, KeyCode::Char('i'), KeyModifiers::ALT);
    assert!(app.transcript().segments[0].identifying);
    assert!(saved.0.borrow().last().unwrap().segments[0].identifying, "saved at once");
    assert!(app.status.as_ref().is_some_and(|s| s.text.contains("stays out of exports")));
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal.draw(|f| app.draw(f)).unwrap();
    let red = terminal.backend().buffer().content().iter().filter(|c| c.fg == Color::Red).count();
    assert!(red >= 6, "the segment's row is red ({red} cells)");
    app.transport.player.at_ms = 2_000;
    press(&mut app, KeyCode::Char('x'), KeyModifiers::ALT);
    assert!(app.transcript().segments[0].identifying && app.transcript().segments[1].identifying);
    press(&mut app, KeyCode::Char('i'), KeyModifiers::ALT);
    assert!(!app.transcript().segments[0].identifying, "again unmarks");
    assert_eq!(app.status.as_ref().map(|s| s.text.as_str()), Some("no longer marked identifying"));
}

#[test]
fn jumps_find_markers_questions_pauses_and_typed_times() {
    let mut app = app();
    press(&mut app, KeyCode::Down, KeyModifiers::CONTROL);
    assert_eq!(app.transport.player.at_ms, 7_200, "next marker (speaker and question markers are not markers here)");
    press(&mut app, KeyCode::Down, KeyModifiers::ALT);
    assert_eq!(app.transport.player.at_ms, 10_800, "next pause");
    press(&mut app, KeyCode::Up, KeyModifiers::SHIFT);
    assert_eq!(app.transport.player.at_ms, 300, "previous question");
    press(&mut app, KeyCode::Char('k'), KeyModifiers::CONTROL);
    typed(&mut app, "0:25.1");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(app.transport.player.at_ms, 25_100);
    assert_eq!(app.current, 5);
    assert_eq!("1:02:03".parse::<Ms>(), Ok(Ms(3_723_000)));
    assert!("soon".parse::<Ms>().is_err());
}

#[test]
fn playing_stops_at_the_segment_end_or_loops() {
    let mut app = app();
    app.transport.player.playing = true;
    app.transport.player.at_ms = 4_900;
    app.update(Event::Tick);
    assert!(app.transport.player.playing, "a little past the end is the last word's tail");
    app.transport.player.at_ms = 5_150;
    app.update(Event::Tick);
    assert!(!app.transport.player.playing);
    assert_eq!(app.current, 0, "the segment being typed stays current");
    press(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    app.transport.player.playing = true;
    app.update(Event::Tick);
    assert_eq!(app.transport.player.at_ms, 400, "looping goes back to the start");
    assert!(app.transport.player.playing);
}

#[test]
fn the_vim_keymap_is_modal() {
    let saved = Saved::default();
    let mut app = app_with(&saved);
    app.keymap = Keymap::load_with(Some("vim"), None, None).unwrap();
    app.typing = false;
    typed(&mut app, "jj");
    assert_eq!(app.current, 2, "in normal mode j moves on");
    assert_eq!(app.transcript().segments[2].text(), "");
    typed(&mut app, "i");
    assert!(app.typing);
    typed(&mut app, "jo");
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(!app.typing);
    assert_eq!(app.transcript().segments[2].text(), "jo");
    typed(&mut app, " ");
    assert!(app.transport.player.playing, "space plays in normal mode");
    assert!(render(&app, 100, 30).contains("-- NORMAL --"));
    press(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert!(app.should_quit(), "Ctrl+Q works in normal mode too");
}

#[test]
fn renaming_a_speaker_reaches_the_other_sessions() {
    let calls = Rc::new(RefCell::new(Vec::new()));
    let seen = calls.clone();
    let mut app = app().with_project_rename(Box::new(move |from: &str, to: &str| {
        seen.borrow_mut().push((from.to_string(), to.to_string()));
        Ok(7)
    }));
    press(&mut app, KeyCode::F(8), KeyModifiers::NONE);
    typed(&mut app, "Intervjuer");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    // Live speaker key 1 is focus-group member L1, whichever module wrote it.
    assert_eq!(*calls.borrow(), [("L1".to_string(), "Intervjuer".to_string())]);
    let code = "P03".parse().unwrap();
    let speakers: Vec<_> =
        app.transcript().segments.iter().map(|s| s.speaker.as_ref().unwrap().short_label(&code).into_owned()).collect();
    assert_eq!(speakers, ["Intervjuer", "L2", "L2", "Intervjuer", "L2", "L2"]);
    assert_eq!(
        app.status.as_ref().map(|s| s.text.as_str()),
        Some("L1 is now Intervjuer: 2 segments here, 7 in other sessions")
    );
}

/// A review with the first two segments drafted by speech recognition, "kveldene" unsure.
fn drafted(saved: &Saved) -> ReviewApp<FakePlayer, Saved> {
    use crate::model::{Source, Token, Word};
    let mut app = app_with(saved);
    let words = |list: &[(&str, u64, u64, f32)]| -> Vec<Token> {
        list.iter()
            .map(|&(text, start, end, confidence)| {
                Token::Word(Word {
                    text: text.into(),
                    span: Some(Span::ms(start, end)),
                    confidence: Some(confidence),
                    source: Source::Recognised,
                    glued: false,
                })
            })
            .collect()
    };
    app.transcript.segments[0].tokens = words(&[
        ("Kan", 400, 700, 0.9),
        ("du", 700, 900, 0.95),
        ("fortelle", 900, 1_600, 0.9),
        ("om", 1_600, 1_800, 0.9),
    ]);
    app.transcript.segments[1].tokens =
        words(&[("Jeg", 5_600, 5_900, 0.9), ("jobber", 5_900, 6_400, 0.8), ("kveldene", 6_400, 7_200, 0.31)]);
    app.select(0);
    app
}

#[test]
fn drafted_words_are_dimmed_the_unsure_underlined_and_the_one_playing_lit() {
    use ratatui::style::Modifier;
    let saved = Saved::default();
    let mut app = drafted(&saved);
    app.transport.player.playing = true;
    app.transport.player.at_ms = 1_000;
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal.draw(|f| app.draw(f)).unwrap();
    let screen = terminal.backend().to_string();
    insta::assert_snapshot!("review_drafted", screen);
    let buffer = terminal.backend().buffer().clone();
    // Where `word` is in the list row of the segment at `time`.
    let find = |time: &str, word: &str| -> (u16, u16) {
        let lines: Vec<String> = screen.lines().map(|l| l.trim_matches('"').to_string()).collect();
        let (y, line) = lines.iter().enumerate().find(|(_, l)| l.contains(time) && l.contains(word)).unwrap();
        let x = line.chars().take(line.find(word).unwrap()).count();
        (x as u16, y as u16)
    };
    let style_of = |word: &str| {
        let time = if ["Kan", "fortelle"].contains(&word) { "00:00:00 L1" } else { "00:00:05 L2" };
        buffer[find(time, word)].style()
    };
    assert!(style_of("Kan").add_modifier.contains(Modifier::DIM), "drafted: dimmed");
    assert_eq!(style_of("fortelle").fg, Some(Color::Yellow), "the word playing now");
    assert!(!style_of("fortelle").add_modifier.contains(Modifier::DIM));
    assert!(style_of("kveldene").add_modifier.contains(Modifier::UNDERLINED), "unsure: underlined");
    assert!(!style_of("jobber").add_modifier.contains(Modifier::UNDERLINED));
    // Alt+w: to the unsure word.
    app.transport.player.playing = false;
    press(&mut app, KeyCode::Char('w'), KeyModifiers::ALT);
    assert_eq!(app.transport.player.at_ms, 6_400);
    assert_eq!(app.current, 1);
}

#[test]
fn enter_accepts_a_draft_and_typing_makes_it_the_transcribers() {
    use crate::model::{Source, Token};
    let saved = Saved::default();
    let mut app = drafted(&saved);
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let first = &app.transcript().segments[0];
    assert!(first.done);
    assert_eq!(first.text(), "Kan du fortelle om");
    let sources = |i: usize, app: &ReviewApp<FakePlayer, Saved>| -> Vec<Source> {
        app.transcript().segments[i]
            .tokens
            .iter()
            .filter_map(|t| if let Token::Word(w) = t { Some(w.source) } else { None })
            .collect()
    };
    assert_eq!(sources(0, &app), [Source::Recognised; 4], "accepted as drafted");
    // Now in segment 1: correct its last word.
    assert_eq!(app.current, 1);
    for _ in 0.."kveldene".len() {
        press(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    }
    typed(&mut app, "kveldsvakter");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(app.transcript().segments[1].text(), "Jeg jobber kveldsvakter");
    assert_eq!(sources(1, &app), [Source::Typed; 3], "edited: all the transcriber's");
    let Token::Word(kept) = &app.transcript().segments[1].tokens[1] else { panic!("a word") };
    assert_eq!(kept.span, Some(Span::ms(5_900, 6_400)), "a word left alone keeps its time");
}

mod speakers;
