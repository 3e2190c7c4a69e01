//! Audio: the WAV container, the encrypted store, import of existing recordings, and capture.

pub mod capture;
pub mod device;
pub mod file_source;
pub mod host_noise;
pub mod import;
pub(crate) mod mono16k;
pub mod output;
pub mod pcm;
pub mod playback;
pub mod player;
pub mod store;
pub mod wav;
pub mod writer;
