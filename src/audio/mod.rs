//! Audio: the WAV container, the encrypted store, import of existing recordings, and capture.

pub mod import;
pub mod store;
pub mod wav;
