//! Transcription conventions: `Convention::parse` on any UTF-8 text, then its notations, its
//! legend and a whole awkward session rendered in every format with it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use verbatim::export::ExportFormat;
use verbatim::export::convention::{Convention, Lang};
use verbatim::model::{Ms, ParticipantCode, Speaker};
use verbatim_fuzz::{render, sample_document};

/// Pause lengths around every rounding step and the ends of the range, ms.
const PAUSES: [u64; 14] =
    [0, 1, 49, 50, 99, 100, 149, 150, 999, 1_000, 86_400_000, u64::MAX / 1000, u64::MAX - 1, u64::MAX];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let convention = match Convention::parse(text, "fuzz.toml") {
        Ok(convention) => convention,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    // Bands the file declares, and one past each.
    let limits = convention.pauses.iter().filter_map(|b| b.up_to_ms).flat_map(|ms| [ms, ms.saturating_add(1)]);
    let pauses: Vec<u64> = PAUSES.into_iter().chain(limits.take(32)).collect();
    for lang in [Lang::En, Lang::Nb] {
        for &ms in &pauses {
            let _ = convention.pause_mark(Ms(ms), lang);
        }
        let legend = convention.legend(lang);
        assert_eq!(legend.len(), convention.pauses.len() + 6);
        let code: ParticipantCode = "P07".parse().expect("a valid code");
        let names = convention.speaker_names(lang);
        for speaker in [Speaker::Interviewer, Speaker::Participant, Speaker::Numbered(2), Speaker::Named("{code}".into())] {
            let _ = speaker.label(&code, names);
        }
    }
    render(sample_document(), &convention, if data.len() % 2 == 0 { Lang::En } else { Lang::Nb }, &ExportFormat::ALL);
});
