//! Checks a whisper.cpp model file (the legacy ggml `.bin` layout) before whisper.cpp sees it.
//!
//! whisper.cpp trusts its model files: on some malformed ones (the right magic then nonsense, an
//! unknown weight type) it ends the whole process with an assertion instead of returning an error,
//! and a file cut inside its last tensor loads without complaint. So verbatim first walks the whole
//! file, seeking over the weights, and turns every problem into an error naming file, byte and remedy.
//!
//! The layout, as whisper.cpp's `models/convert-pt-to-ggml.py` writes it and `whisper_model_load`
//! reads it, is little-endian without padding: magic; 11 i32 settings; mel filters (i32 n_mel,
//! i32 n_fft, n_mel × n_fft f32); vocabulary (i32 count, count × (u32 length, bytes)); then tensors
//! to the end, each i32 n_dims, name length and type, n_dims × i32 extents, name, and data.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

/// "ggml" as a little-endian u32: whisper.cpp's `GGML_FILE_MAGIC`.
const MAGIC: u32 = 0x6767_6d6c;
/// ggml stores the quantisation version as `ftype / 1000` (`GGML_QNT_VERSION_FACTOR`).
const QNT_FACTOR: i32 = 1000;
/// The hyper-parameters in file order: what the errors call them, and the range Whisper models use.
const HPARAMS: [(&str, i32, i32); 11] = [
    ("vocabulary size", 51864, 51866),
    ("audio context length", 1500, 1500),
    ("encoder width", 64, 4096),
    ("number of encoder attention heads", 1, 64),
    ("number of encoder layers", 1, 64),
    ("text context length", 448, 448),
    ("decoder width", 64, 4096),
    ("number of decoder attention heads", 1, 64),
    ("number of decoder layers", 1, 64),
    ("number of mel bands", 80, 128),
    ("weight type", 0, 2 * QNT_FACTOR + 999), // up to quantisation version 2 (`GGML_QNT_VERSION`)
];

/// What [`inspect`] found in a whisper.cpp model file that whisper.cpp can load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GgmlModel {
    /// Tokens the model knows: 51864 English only, 51865 multilingual, 51866 large-v3.
    pub n_vocab: u32,
    /// Audio positions per 30 s window (always 1500).
    pub n_audio_ctx: u32,
    /// Width of the encoder.
    pub n_audio_state: u32,
    /// Attention heads per encoder layer.
    pub n_audio_head: u32,
    /// Encoder layers; whisper.cpp names the model's size by them.
    pub n_audio_layer: u32,
    /// Text positions the decoder sees (always 448).
    pub n_text_ctx: u32,
    /// Width of the decoder (equal to the encoder's).
    pub n_text_state: u32,
    /// Attention heads per decoder layer.
    pub n_text_head: u32,
    /// Decoder layers (fewer than the encoder's in distil and turbo models).
    pub n_text_layer: u32,
    /// Mel bands of the input spectrogram: 80, or 128 for large-v3.
    pub n_mels: u32,
    /// The weight type, `ftype % 1000` as a `ggml_ftype`: 0 f32, 1 f16, 7 q8_0, 8 q5_0, ….
    pub ftype: u32,
    /// The quantisation version, `ftype / 1000`: 0 for f32 and f16 files, 2 for current ones.
    pub qnt_version: u32,
    /// Whether the model knows languages besides English (whisper.cpp: `n_vocab >= 51865`).
    pub multilingual: bool,
    /// The size whisper.cpp names from the encoder layers: "tiny", … "large", else "unknown size".
    pub size: &'static str,
    /// Tensors in the file.
    pub tensors: usize,
    /// Length of the file in bytes.
    pub bytes: u64,
}

impl GgmlModel {
    /// A short description for people, such as "tiny, English only, f16".
    pub fn describe(&self) -> String {
        let languages = if self.multilingual { "multilingual" } else { "English only" };
        format!("{}, {languages}, {}", self.size, ftype_name(self.ftype).unwrap_or("unknown weight type"))
    }
}

/// Whether the file at `path` starts with the ggml magic (an unreadable one does not).
pub fn is_ggml(path: &Path) -> bool {
    let mut head = [0u8; 4];
    File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && u32::from_le_bytes(head) == MAGIC
}

/// Why a file is not a whisper.cpp model verbatim will hand to whisper.cpp.
#[derive(Debug, thiserror::Error)]
pub enum GgmlError {
    /// The file could not be opened or read.
    #[error(
        "cannot read the Whisper model {}: {source}. Check that the file exists and that you may read it",
        path.display()
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The file does not start with the ggml magic.
    #[error(
        "{} is not a whisper.cpp model (ggml) nor an ONNX speaker model; verbatim reads whisper.cpp `.bin` files \
         such as ggml-base.bin or NB-Whisper's ggml files, and speaker models such as embedder.int8.onnx; GGUF, \
         CTranslate2, safetensors and ONNX speech recognition files must be converted first",
        path.display()
    )]
    NotAModel {
        /// The file.
        path: PathBuf,
    },
    /// The file ends in the middle of something.
    #[error(
        "{} is incomplete: it ends in the middle of {what} (starting at byte {offset}). The download or copy was \
         probably interrupted: download the model again",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Where in the file, in bytes.
        offset: u64,
        /// What is wrong there.
        what: String,
    },
    /// The file ends cleanly between two tensors, before the last one.
    #[error(
        "{} is incomplete: it ends at byte {offset}, after {found} of the {expected} tensors a model of its size \
         has. The download or copy was probably interrupted: download the model again",
        path.display()
    )]
    MissingTensors {
        /// The file.
        path: PathBuf,
        /// Where in the file, in bytes.
        offset: u64,
        /// Tensors found.
        found: usize,
        /// Tensors a model of its size has.
        expected: usize,
    },
    /// A value no Whisper model has, which could make whisper.cpp stop verbatim.
    #[error(
        "{} is damaged or is not a Whisper model: {what} (at byte {offset}). Download it again, or choose another \
         Whisper model file",
        path.display()
    )]
    Implausible {
        /// The file.
        path: PathBuf,
        /// Where in the file, in bytes.
        offset: u64,
        /// What is wrong there.
        what: String,
    },
    /// A tensor stored in a ggml type whose size verbatim does not know.
    #[error(
        "{} stores tensor `{name}` (at byte {offset}) as ggml type {ttype}, which verbatim does not know: the file \
         is damaged or newer than verbatim's whisper.cpp. Download an f16, q5_0 or q8_0 version of the model instead",
        path.display()
    )]
    UnknownTensorType {
        /// The file.
        path: PathBuf,
        /// Where in the file, in bytes.
        offset: u64,
        /// The tensor's name.
        name: String,
        /// The type number.
        ttype: i32,
    },
}

/// Walks the whole whisper.cpp model at `path` without reading its weights, and says what it
/// is, or why whisper.cpp must not be given it.
pub fn inspect(path: &Path) -> Result<GgmlModel, GgmlError> {
    let io_error = |source| GgmlError::Io { path: path.to_path_buf(), source };
    let file = File::open(path).map_err(io_error)?;
    let len = file.metadata().map_err(io_error)?.len();
    let mut w = Walker { r: BufReader::with_capacity(1 << 16, file), path: path.to_path_buf(), pos: 0, len };

    if w.ints(|| "the file header".into())? != [MAGIC.cast_signed()] {
        return Err(GgmlError::NotAModel { path: w.path });
    }
    let h: [i32; 11] = w.ints(|| "the model settings".into())?;
    check_hparams(&h).map_err(|(i, what)| w.implausible(4 + 4 * i as u64, what))?;
    let [n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, ..] = h.map(i32::unsigned_abs);
    let [.., n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, _] = h.map(i32::unsigned_abs);

    // whisper.cpp computes the spectrogram with these filters but shapes the encoder by n_mels,
    // and asserts the filters span the bins of its 400-point FFT.
    let [n_mel, n_fft] = w.ints(|| "the mel filter header".into())?;
    if n_mel != h[9] {
        return Err(w.implausible(48, format!("it has {n_mel} mel filters but says it uses {n_mels} mel bands")));
    }
    if n_fft != 201 {
        return Err(w.implausible(52, format!("its mel filters have {n_fft} frequency bins, not 201")));
    }
    w.skip(56, 4 * u64::from(n_mels) * 201, || "the mel filters".into())?;

    let at = w.pos;
    let [count] = w.ints(|| "the vocabulary".into())?;
    // Whisper's byte-pair vocabulary alone has 50256 or 50257 tokens; whisper.cpp names the
    // special tokens after it itself, and must not be given more tokens than the model has.
    if !(50_000..=h[0]).contains(&count) {
        return Err(w.implausible(at, format!("its vocabulary has {count} tokens, not 50000 to {n_vocab}")));
    }
    for i in 1..=count {
        let (at, what) = (w.pos, || format!("token {i} of the vocabulary"));
        let [n] = w.ints(what)?;
        // Whisper's longest token is a few dozen bytes; a longer one means the vocabulary is damaged.
        if !(0..=1024).contains(&n) {
            return Err(w.implausible(at, format!("token {i} of the vocabulary is {} bytes long", n.cast_unsigned())));
        }
        w.skip(at, n.unsigned_abs().into(), what)?;
    }

    let expected = expected_tensors(n_audio_layer, n_text_layer);
    let mut names = HashSet::new();
    while w.pos < w.len {
        let (at, nth) = (w.pos, names.len() + 1);
        // whisper.cpp refuses tensors it has no place for; junk after the last would be misread.
        if names.len() == expected {
            let what = format!("{} bytes of unknown data follow the last of its {expected} tensors", w.len - at);
            return Err(w.implausible(at, what));
        }
        let what = || format!("the header of tensor {nth}");
        let [n_dims, name_len, ttype] = w.ints(what)?;
        if !(1..=4).contains(&n_dims) {
            return Err(w.implausible(at, format!("tensor {nth} has {n_dims} dimensions, not 1 to 4")));
        }
        // Whisper's tensor names are under 64 bytes ("decoder.blocks.31.cross_attn_ln.weight").
        if !(1..=256).contains(&name_len) {
            return Err(w.implausible(at + 4, format!("the name of tensor {nth} is {name_len} bytes long")));
        }
        let (n_dims, name_len) = (n_dims.unsigned_abs(), name_len.unsigned_abs());
        w.need(at, 12 + 4 * u64::from(n_dims) + u64::from(name_len), what)?;
        let ne = (0..n_dims).map(|_| w.ints(what).map(|[n]| n)).collect::<Result<Vec<_>, _>>()?;
        let mut name = vec![0; name_len as usize];
        w.r.read_exact(&mut name).map_err(|e| w.io(e))?;
        w.pos += u64::from(name_len);
        let name = String::from_utf8_lossy(&name).into_owned();

        let Some((block, block_bytes)) = block(ttype) else {
            return Err(GgmlError::UnknownTensorType { path: w.path, offset: at + 8, name, ttype });
        };
        let mut elements = 1_u64;
        for &n in &ne {
            // whisper.cpp counts elements in an i32: more would overflow it and misread the sizes.
            elements = match elements.checked_mul(u64::from(n.unsigned_abs())) {
                _ if n <= 0 => return Err(w.implausible(at + 12, format!("tensor `{name}` has an extent of {n}"))),
                Some(e) if e <= i32::MAX as u64 => e,
                _ => return Err(w.implausible(at + 12, format!("tensor `{name}` has too many elements"))),
            };
        }
        // ggml quantises row by row, so each row must be whole blocks.
        if u64::from(ne[0].unsigned_abs()) % block != 0 {
            let what = format!("tensor `{name}` has rows of {} values, not whole blocks of {block}", ne[0]);
            return Err(w.implausible(at + 12, what));
        }
        let data = (elements / block).saturating_mul(block_bytes); // at most 2^31 × 292: never saturates
        w.skip(w.pos, data, || format!("the data of tensor `{name}`"))?;
        // A repeated tensor would be counted as loaded while another stays empty.
        if !names.insert(name.clone()) {
            return Err(w.implausible(at, format!("tensor `{name}` appears twice")));
        }
    }
    if names.len() < expected {
        return Err(GgmlError::MissingTensors { path: w.path, offset: w.pos, found: names.len(), expected });
    }

    Ok(GgmlModel {
        n_vocab,
        n_audio_ctx,
        n_audio_state,
        n_audio_head,
        n_audio_layer,
        n_text_ctx,
        n_text_state,
        n_text_head,
        n_text_layer,
        n_mels,
        ftype: (h[10] % QNT_FACTOR).unsigned_abs(),
        qnt_version: (h[10] / QNT_FACTOR).unsigned_abs(),
        multilingual: n_vocab >= 51865,
        size: SIZES.iter().find(|(layers, _)| *layers == n_audio_layer).map_or("unknown size", |(_, name)| name),
        tensors: names.len(),
        bytes: len,
    })
}

/// The tensors whisper.cpp's `whisper_model_load` creates and requires all of: 7 fixed encoder
/// ones (positions, two convolutions with biases, final norm), 4 fixed decoder ones (positions,
/// token embedding, final norm), 15 per encoder layer, and 24 per decoder layer (15 + 9 for
/// cross-attention). Its own `n_tensors` (10 + 15 + …) only sizes a context, with room to spare.
pub(crate) fn expected_tensors(n_audio_layer: u32, n_text_layer: u32) -> usize {
    11 + 15 * n_audio_layer as usize + 24 * n_text_layer as usize
}

/// Checks the hyper-parameters against the ranges of Whisper models, narrowed to what whisper.cpp
/// runs without asserting or indexing out of bounds; on failure, gives the index of the bad one.
///
/// Vocabulary: whisper.cpp writes to fixed token ids up to 50363, reads 1501 timestamps after
/// them and names at most 100 languages. Contexts: the graph is built for 30 s windows (3000 mel
/// frames halved by the convolution) and 448 tokens.
fn check_hparams(h: &[i32; 11]) -> Result<(), (usize, String)> {
    let bad = |i: usize, rule: String| Err((i, format!("its {} is {}, {rule}", HPARAMS[i].0, h[i])));
    for (i, &(_, min, max)) in HPARAMS.iter().enumerate() {
        if !(min..=max).contains(&h[i]) {
            return bad(i, if min == max { format!("not {min}") } else { format!("not {min} to {max}") });
        }
    }
    for (state, head) in [(2, 3), (6, 7)] {
        // Whisper's widths are 384 to 1280 in heads of 64; ggml's quantised blocks need multiples of 32.
        if h[state] % 64 != 0 {
            return bad(state, "not a multiple of 64".into());
        }
        // ggml asserts when a width does not split evenly into its heads.
        if h[state] % h[head] != 0 {
            return bad(head, "which does not divide its width evenly".into());
        }
    }
    // whisper.cpp asserts this, and shapes the decoder's cross-attention by it.
    if h[6] != h[2] {
        return bad(6, "not the encoder width".into());
    }
    if h[9] != 80 && h[9] != 128 {
        return bad(9, "not 80 or 128".into());
    }
    // An ftype ggml cannot map to a tensor type fails a GGML_ASSERT, ending the process.
    if ftype_name((h[10] % QNT_FACTOR).unsigned_abs()).is_none() {
        return bad(10, "which whisper.cpp does not know".into());
    }
    Ok(())
}

/// The weight types whisper.cpp reads, by `ggml_ftype` number (not `ggml_type`); "" is none.
const FTYPES: [&str; 25] = [
    "f32", "f16", "q4_0", "q4_1", "", "", "", "q8_0", "q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "", "",
    "", "", "", "", "", "", "", "bf16",
];

/// The name of a weight type, if whisper.cpp knows it.
fn ftype_name(ftype: u32) -> Option<&'static str> {
    FTYPES.get(ftype as usize).copied().filter(|name| !name.is_empty())
}

/// The sizes whisper.cpp names a model by, from its encoder layers; others are MODEL_UNKNOWN.
const SIZES: [(u32, &str); 5] = [(4, "tiny"), (6, "base"), (12, "small"), (24, "medium"), (32, "large")];

/// Values and bytes per block of a tensor's `ggml_type`, as ggml.c's `type_traits` and the block
/// structs of ggml-common.h give them (QK_K = 256); ggml.c indexes a table by this number unchecked.
fn block(ttype: i32) -> Option<(u64, u64)> {
    Some(match ttype {
        0 => (1, 4),      // F32
        1 | 30 => (1, 2), // F16, BF16
        2 => (32, 18),    // Q4_0: f16 scale, 16 bytes of nibbles
        3 => (32, 20),    // Q4_1: f16 scale and minimum, 16 bytes
        6 => (32, 22),    // Q5_0: f16 scale, 4 bytes of fifth bits, 16 bytes
        7 => (32, 24),    // Q5_1
        8 => (32, 34),    // Q8_0: f16 scale, 32 bytes
        9 => (32, 36),    // Q8_1: f16 scale and sum, 32 bytes
        10 => (256, 84),  // Q2_K
        11 => (256, 110), // Q3_K
        12 => (256, 144), // Q4_K
        13 => (256, 176), // Q5_K
        14 => (256, 210), // Q6_K
        15 => (256, 292), // Q8_K: f32 scale, 256 bytes, 16 i16 sums
        _ => return None,
    })
}

/// A buffered reader that knows its offset and the file's length, so it can tell a cut file
/// from a damaged one before reading, and seek over what it need not read.
struct Walker {
    r: BufReader<File>,
    path: PathBuf,
    pos: u64,
    len: u64,
}

impl Walker {
    /// Fails unless the file holds `n` bytes from `start`, naming `what`, which starts there.
    fn need(&self, start: u64, n: u64, what: impl FnOnce() -> String) -> Result<(), GgmlError> {
        match start.checked_add(n) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(GgmlError::Truncated { path: self.path.clone(), offset: start, what: what() }),
        }
    }

    /// Reads `N` i32, failing if the file ends inside them, which make up (or start) `what`.
    fn ints<const N: usize>(&mut self, what: impl FnOnce() -> String) -> Result<[i32; N], GgmlError> {
        self.need(self.pos, 4 * N as u64, what)?;
        let mut out = [0; N];
        for v in &mut out {
            let mut b = [0; 4];
            self.r.read_exact(&mut b).map_err(|e| self.io(e))?;
            *v = i32::from_le_bytes(b);
        }
        self.pos += 4 * N as u64;
        Ok(out)
    }

    /// Seeks over `n` bytes, failing if the file ends before them, in `what` (which starts at `start`).
    fn skip(&mut self, start: u64, n: u64, what: impl FnOnce() -> String) -> Result<(), GgmlError> {
        self.need(start, self.pos.saturating_sub(start).saturating_add(n), what)?;
        let delta = i64::try_from(n).map_err(|_| self.io(io::Error::other("offset out of range")))?;
        // seek_relative keeps the buffer when the skip lands inside it: 50k tokens cost no syscalls.
        self.r.seek_relative(delta).map_err(|e| self.io(e))?;
        self.pos += n;
        Ok(())
    }

    fn io(&self, source: io::Error) -> GgmlError {
        GgmlError::Io { path: self.path.clone(), source }
    }

    fn implausible(&self, offset: u64, what: String) -> GgmlError {
        GgmlError::Implausible { path: self.path.clone(), offset, what }
    }
}

#[cfg(test)]
mod tests;
