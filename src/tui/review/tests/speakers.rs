//! Speakers told apart by speaker detection, on the review screen: shown per segment, fixed by
//! a key, and two voices merged in one more key.

use super::*;

#[test]
fn detected_speakers_show_per_segment_and_one_key_merges_two_voices() {
    let saved = Saved::default();
    let mut app = app_with(&saved);
    // Speaker detection heard the interviewer and split the participant into S1 and S2.
    let detected = [Speaker::Interviewer, Speaker::Diarized(1), Speaker::Interviewer, Speaker::Diarized(2)];
    for (segment, speaker) in app.transcript.segments.iter_mut().zip(detected.iter().cycle()) {
        segment.speaker = Some(speaker.clone());
    }
    app.select(3);
    insta::assert_snapshot!("review_detected_speakers", render(&app, 100, 30));
    press(&mut app, KeyCode::Char('m'), KeyModifiers::ALT);
    assert!(app.status.as_ref().is_some_and(|s| s.text.starts_with("set one segment's speaker first")));
    // S2 is the participant: F7 fixes this segment, Alt+M every other S2 segment.
    press(&mut app, KeyCode::F(7), KeyModifiers::NONE);
    assert!(app.transcript().segments[3].speaker_fixed, "a speaker set by key is the transcriber's");
    press(&mut app, KeyCode::Char('m'), KeyModifiers::ALT);
    // S1 too: on segment 1, F7 then Alt+M.
    app.select(1);
    press(&mut app, KeyCode::F(7), KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('m'), KeyModifiers::ALT);
    let speakers: Vec<(Option<Speaker>, bool)> =
        app.transcript().segments.iter().map(|s| (s.speaker.clone(), s.speaker_fixed)).collect();
    let (i, p) = (Some(Speaker::Interviewer), Some(Speaker::Participant));
    assert_eq!(
        speakers,
        [(i.clone(), false), (p.clone(), true), (i.clone(), false), (p.clone(), true), (i, false), (p, true)]
    );
    assert_eq!(app.status.as_ref().map(|s| s.text.clone()), Some("S1 merged into P03: 1 more segments".into()));
}
