//! Interview guides: `Guide::parse` on any UTF-8 text, then navigation over what it parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use verbatim::guide::{Guide, QuestionRef};

/// How many questions get the more expensive section moves, so huge guides stay fast.
const SECTION_MOVES: usize = 64;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let guide = match Guide::parse(text, "fuzz.md") {
        Ok(guide) => guide,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    assert!(!guide.sections.is_empty() && guide.sections.iter().all(|s| !s.questions.is_empty()));
    let all: Vec<QuestionRef> = guide.questions().map(|(at, _)| at).collect();
    assert_eq!(all.len(), guide.question_count());

    // `next` from `first` visits every question once, in order; `prev` walks it back.
    let mut walked = Vec::with_capacity(all.len());
    let mut at = guide.first();
    while let Some(here) = at {
        assert!(guide.question(here).is_some());
        assert!(walked.len() < all.len(), "next goes round in circles");
        walked.push(here);
        at = guide.next(here);
    }
    assert_eq!(walked, all);
    let mut back = Vec::with_capacity(all.len());
    let mut at = all.last().copied();
    while let Some(here) = at {
        assert!(back.len() < all.len(), "prev goes round in circles");
        back.push(here);
        at = guide.prev(here);
    }
    back.reverse();
    assert_eq!(back, all);

    for &here in all.iter().take(SECTION_MOVES) {
        if let Some(next) = guide.next_section(here) {
            assert!(next.section > here.section && next.question == 0 && guide.question(next).is_some());
        }
        if let Some(prev) = guide.prev_section(here) {
            assert!(prev <= here && prev.question == 0 && guide.question(prev).is_some());
        }
    }

    // Refs that point nowhere lead nowhere.
    let sections = guide.sections.len();
    for nowhere in [
        QuestionRef { section: sections, question: 0 },
        QuestionRef { section: 0, question: guide.sections[0].questions.len() },
        QuestionRef { section: usize::MAX, question: usize::MAX },
    ] {
        assert!(guide.question(nowhere).is_none());
        assert!(guide.next(nowhere).is_none() && guide.prev(nowhere).is_none());
        assert!(guide.next_section(nowhere).is_none() && guide.prev_section(nowhere).is_none());
    }
});
