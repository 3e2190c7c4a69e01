"""The Silero VAD peer: speech regions as faster-whisper and noScribe find them.

Runs the `silero-vad` wheel's own code (its sequence ONNX model and its
`get_speech_timestamps_from_probs` state machine) with its default settings:
threshold 0.5, 250 ms minimum speech, 100 ms minimum silence, 30 ms padding.
The wheel's torch import is only used by helpers we do not call, so a stand-in
module satisfies it and the peer needs numpy and onnxruntime alone.

Usage: python silero_peer.py SITE_DIR FILE.wav...   (16 kHz mono 16-bit WAV)
SITE_DIR holds the unpacked wheel (the `silero_vad` package).
Prints one JSON object per file: {"file": ..., "speech": [[start_ms, end_ms], ...]}.
"""

import json
import sys
import types
import wave

import numpy as np

torch = types.ModuleType("torch")
torch.no_grad = lambda: (lambda f: f)
torch.device = lambda name: name
torch.set_num_threads = lambda n: None
torch.Tensor = type("Tensor", (), {})
sys.modules.setdefault("torch", torch)

sys.path.insert(0, sys.argv[1])
from silero_vad.sequence_vad import SileroVADSequence, get_speech_timestamps_sequence  # noqa: E402
import silero_vad  # noqa: E402

model_path = silero_vad.__path__[0] + "/data/silero_vad_16k_sequence.onnx"
model = SileroVADSequence(model_path)
for path in sys.argv[2:]:
    with wave.open(path) as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (16000, 1, 2):
            sys.exit(f"{path}: need 16 kHz mono 16-bit WAV")
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    spans = get_speech_timestamps_sequence(audio, model, sampling_rate=16000)
    speech = [[round(s["start"] / 16), round(s["end"] / 16)] for s in spans]
    print(json.dumps({"file": path, "speech": speech}))
