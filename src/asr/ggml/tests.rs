//! Tests of the model file checks, on small files written to match whisper.cpp's layout.
use super::*;

/// Real tiny.en settings: 4 + 4 layers of width 384, f16.
const TINY: [i32; 11] = [51864, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1];
/// Where the first tensor starts after `header`'s mel filters and 50257 one-byte tokens.
const TENSORS_AT: usize = 64380 + 5 * 50257;

/// The magic, settings, zero mel filters and a vocabulary of 50257 one-byte tokens.
fn header(hp: [i32; 11]) -> Vec<u8> {
    let mut out = MAGIC.to_le_bytes().to_vec();
    hp.into_iter().chain([hp[9], 201]).for_each(|v| out.extend(v.to_le_bytes()));
    out.resize(out.len() + hp[9] as usize * 201 * 4, 0);
    out.extend(50257_i32.to_le_bytes());
    (0..50257_u32).for_each(|i| out.extend([1, 0, 0, 0, i as u8]));
    out
}

/// Appends a tensor with zero data of the size its type and extents imply.
fn tensor(out: &mut Vec<u8>, name: &str, ttype: i32, ne: &[i32]) {
    [ne.len() as i32, name.len() as i32, ttype].iter().chain(ne).for_each(|v| out.extend(v.to_le_bytes()));
    out.extend(name.as_bytes());
    let (block, bytes) = block(ttype).unwrap();
    out.resize(out.len() + (ne.iter().product::<i32>() as u64 / block * bytes) as usize, 0);
}

/// A structurally complete model: real settings and as many tensors as whisper.cpp expects,
/// kept small (inspect counts tensors; whisper.cpp checks their shapes itself). Gives the
/// bytes and where each tensor starts.
fn model(hp: [i32; 11], ttype: i32) -> (Vec<u8>, Vec<usize>) {
    let (mut out, mut starts) = (header(hp), vec![]);
    for i in 0..expected_tensors(hp[4] as u32, hp[8] as u32) {
        starts.push(out.len());
        match i % 2 {
            0 => tensor(&mut out, &format!("t{i}.bias"), 0, &[384]),
            _ => tensor(&mut out, &format!("t{i}.weight"), ttype, &[64, 3]),
        }
    }
    (out, starts)
}

fn inspect_bytes(bytes: &[u8]) -> Result<GgmlModel, GgmlError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ggml-tiny.en.bin");
    std::fs::write(&path, bytes).unwrap();
    inspect(&path).inspect_err(|e| assert!(e.to_string().contains("ggml-tiny.en.bin"), "{e}"))
}

/// Where and why `bytes` are refused, as one comparable value.
fn refused(bytes: &[u8]) -> (u64, String) {
    match inspect_bytes(bytes).unwrap_err() {
        GgmlError::Truncated { offset, what, .. } => (offset, format!("cut in {what}")),
        GgmlError::MissingTensors { offset, found, expected, .. } => (offset, format!("{found} of {expected}")),
        GgmlError::Implausible { offset, what, .. } => (offset, what),
        GgmlError::UnknownTensorType { offset, name, ttype, .. } => (offset, format!("`{name}` type {ttype}")),
        e => panic!("{e:?}"),
    }
}

fn patched(bytes: &[u8], at: usize, value: i32) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at..at + 4].copy_from_slice(&value.to_le_bytes());
    b
}

#[test]
fn expected_tensor_counts_match_whisper_cpp() {
    let counts = [(4, 4), (6, 6), (12, 12), (24, 24), (32, 32), (32, 4)].map(|(a, t)| expected_tensors(a, t));
    assert_eq!(counts, [167, 245, 479, 947, 1259, 587]); // tiny … large, large-v3-turbo
}

#[test]
fn complete_models_are_described() {
    let (bytes, _) = model(TINY, 1);
    let m = inspect_bytes(&bytes).unwrap();
    assert_eq!((m.n_vocab, m.n_audio_state, m.n_audio_head, m.n_text_layer, m.n_mels), (51864, 384, 6, 4, 80));
    assert_eq!((m.ftype, m.qnt_version, m.multilingual, m.size, m.tensors), (1, 0, false, "tiny", 167));
    assert_eq!((m.bytes, m.describe()), (bytes.len() as u64, "tiny, English only, f16".into()));

    // large-v3-turbo quantised to q5_0 (ftype 8, tensor type 6) by quantisation version 2.
    let (bytes, _) = model([51866, 1500, 1280, 20, 32, 448, 1280, 20, 4, 128, 2008], 6);
    let m = inspect_bytes(&bytes).unwrap();
    assert_eq!((m.ftype, m.qnt_version, m.tensors, m.describe()), (8, 2, 587, "large, multilingual, q5_0".into()));
    // ggml_ftype 5 does not exist: whisper.cpp would assert.
    assert_eq!(refused(&patched(&bytes, 44, 2005)).1, "its weight type is 2005, which whisper.cpp does not know");
}

#[test]
fn other_files_are_named_as_such() {
    let (mut bytes, _) = model(TINY, 1);
    bytes[..4].copy_from_slice(b"GGUF");
    let err = inspect_bytes(&bytes).unwrap_err();
    assert!(matches!(err, GgmlError::NotAModel { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("GGUF, CTranslate2, safetensors and ONNX speech recognition files must be converted first")
    );
    let err = inspect(Path::new("/nonexistent/ggml-base.bin")).unwrap_err();
    assert!(matches!(err, GgmlError::Io { .. }) && err.to_string().contains("/nonexistent/ggml-base.bin"));
}

#[test]
fn cut_files_say_where_they_end() {
    let (bytes, starts) = model(TINY, 1);
    assert_eq!(refused(&bytes[..0]), (0, "cut in the file header".into()));
    assert_eq!(refused(&bytes[..20]), (4, "cut in the model settings".into()));
    assert_eq!(refused(&bytes[..1000]), (56, "cut in the mel filters".into()));
    assert_eq!(refused(&bytes[..64380 + 5 * 99 + 2]), (64875, "cut in token 100 of the vocabulary".into()));
    assert_eq!(refused(&bytes[..starts[3] + 5]), (starts[3] as u64, "cut in the header of tensor 4".into()));
    // The last tensor is f32 [384]: its data follows a header of 12 + 4 + 9 bytes.
    let data = starts[166] + 12 + 4 + "t166.bias".len();
    assert_eq!(refused(&bytes[..data + 100]), (data as u64, "cut in the data of tensor `t166.bias`".into()));
    let message = inspect_bytes(&bytes[..data + 100]).unwrap_err().to_string();
    assert!(message.contains(&format!("byte {data})")) && message.contains("download the model again"));
    // A cut between tensors leaves a well-formed file that is short of tensors.
    assert_eq!(refused(&bytes[..starts[100]]), (starts[100] as u64, "100 of 167".into()));
    assert_eq!(refused(&bytes[..TENSORS_AT]), (TENSORS_AT as u64, "0 of 167".into()));
}

#[test]
fn implausible_settings_are_refused() {
    let (bytes, _) = model(TINY, 1);
    let with = |i: usize, value: i32| refused(&patched(&bytes[..TENSORS_AT], 4 + 4 * i, value));
    assert_eq!(with(4, 0x3fff_ffff), (20, "its number of encoder layers is 1073741823, not 1 to 64".into()));
    assert_eq!(with(0, 50000), (4, "its vocabulary size is 50000, not 51864 to 51866".into()));
    assert_eq!(with(1, 3000), (8, "its audio context length is 3000, not 1500".into()));
    assert_eq!(with(2, 400), (12, "its encoder width is 400, not a multiple of 64".into()));
    assert_eq!(with(3, 7).0, 16); // 384 is not a multiple of 7
    assert_eq!(with(6, 768), (28, "its decoder width is 768, not the encoder width".into()));
    assert_eq!(with(8, -1).0, 36);
    assert_eq!(with(9, 100), (40, "its number of mel bands is 100, not 80 or 128".into()));
    assert_eq!((with(10, -1).0, with(10, 3008).0), (44, 44)); // 3: a quantisation version ggml never wrote
    assert_eq!(refused(&patched(&bytes, 52, 200)), (52, "its mel filters have 200 frequency bins, not 201".into()));
    assert_eq!(refused(&patched(&bytes, 48, 128)).0, 48);
    assert_eq!(refused(&patched(&bytes, 64376, 51865)).1, "its vocabulary has 51865 tokens, not 50000 to 51864");
    assert_eq!(refused(&patched(&bytes, 64415, 5000)), (64415, "token 8 of the vocabulary is 5000 bytes long".into()));
}

#[test]
fn damaged_tensors_are_refused() {
    let (bytes, starts) = model(TINY, 1);
    let at = starts[10];
    let with = |offset: usize, value: i32| refused(&patched(&bytes, at + offset, value));
    assert_eq!(with(0, 0), (at as u64, "tensor 11 has 0 dimensions, not 1 to 4".into()));
    assert_eq!(with(0, 5), (at as u64, "tensor 11 has 5 dimensions, not 1 to 4".into()));
    assert_eq!(with(4, 1 << 30), (at as u64 + 4, "the name of tensor 11 is 1073741824 bytes long".into()));
    assert_eq!(with(8, 5), (at as u64 + 8, "`t10.bias` type 5".into()));
    assert_eq!(with(12, 0), (at as u64 + 12, "tensor `t10.bias` has an extent of 0".into()));

    let mut b = bytes[..at].to_vec();
    [4, 4, 0, 65536, 65536, 65536, 65536].iter().for_each(|v: &i32| b.extend(v.to_le_bytes()));
    b.extend(b"huge");
    assert_eq!(refused(&b), (at as u64 + 12, "tensor `huge` has too many elements".into()));
    let mut b = bytes[..at].to_vec();
    tensor(&mut b, "odd", 8, &[100, 2]);
    assert_eq!(refused(&b), (at as u64 + 12, "tensor `odd` has rows of 100 values, not whole blocks of 32".into()));
    // Tensor 3 again in place of tensor 4: the count is right, but one tensor would stay empty.
    let mut b = bytes.clone();
    b.splice(starts[3]..starts[4], bytes[starts[2]..starts[3]].iter().copied());
    assert_eq!(refused(&b), (starts[3] as u64, "tensor `t2.bias` appears twice".into()));
    let b = [&bytes[..], b"junk"].concat();
    let what = "4 bytes of unknown data follow the last of its 167 tensors";
    assert_eq!(refused(&b), (bytes.len() as u64, what.into()));
}
