#!/usr/bin/env bash
# Speed and memory of `verbatim transcribe` against whisper.cpp run directly, on one core.
#
# Makes a long interview (default 60 min) from the speech-recognition fixtures' utterances
# (scripts/asr-fixtures: espeak-ng voices and real recordings), with pauses of 0.4-2.5 s making
# about 20 % of it, then times, pinned to one core (`taskset -c $BENCH_CPU`, default 0):
#   verbatim  the whole `transcribe` on the encrypted session: unlock, decrypt, voice detection
#             (the pause layer is not cached beforehand), recognition with tiny.en on one
#             thread, alignment, and the encrypted write;
#   peer      scripts/asr-peer (pywhispercpp: whisper.cpp with the same model, one thread, word
#             timestamps) on the plaintext 16 kHz copy, model load included.
# Peak RSS of each comes from GNU time. (Accuracy against the truth is tests/asr.rs's.)
# Output goes to the terminal and to target/asr-bench.txt.
# Usage: benches/asr_report.sh [MINUTES]   (needs sox, taskset, /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-60}
cpu=${BENCH_CPU:-0}
for tool in sox taskset /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install sox util-linux time)" >&2; exit 1; }
done
# The project's own model store is a scratch XDG_DATA_HOME, which would hide ONNX Runtime.
VERBATIM_ONNXRUNTIME="$(scripts/onnxruntime)"
export VERBATIM_ONNXRUNTIME ORT_DISABLE_TELEMETRY=1
asr="$(scripts/asr-fixtures)"
fixtures="$(sed -n 1p <<<"$asr")"
models="$(sed -n 2p <<<"$asr")"
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/verbatim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=${CARGO_TARGET_DIR:-target}/asr-bench.txt

echo "making a $minutes-minute interview from $fixtures" >&2
"$HOME/.cache/verbatim-py/bin/python" - "$fixtures" "$work/long" "$minutes" <<'EOF'
import json, random, sys, wave
import numpy as np
fixtures, out, minutes = sys.argv[1], sys.argv[2], float(sys.argv[3])
rng = random.Random(20261206)
clips = []
for name in ["espeak-interview", "human-read", "mixed-interview"]:
    w = wave.open(f"{fixtures}/{name}.wav")
    x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    for u in json.load(open(f"{fixtures}/{name}.truth.json"))["utterances"]:
        a, b = u["start_ms"] * 48, u["end_ms"] * 48
        clips.append((x[a:b], u["text"]))
target = int(minutes * 60 * 48000)
noise = np.random.default_rng(7)
parts, truth, at = [], [], 0
while at < target:
    clip, text = clips[rng.randrange(len(clips))]
    pause = int(rng.uniform(0.4, 2.5) * 48000 * 0.62)  # pauses about 20 % of the whole
    parts.append((noise.normal(0, 30, pause)).astype(np.int16)); at += pause
    truth.append({"start_ms": at // 48, "end_ms": (at + len(clip)) // 48, "text": text})
    parts.append(clip); at += len(clip)
audio = np.concatenate(parts)
speech = sum(u["end_ms"] - u["start_ms"] for u in truth) / (len(audio) / 48)
with wave.open(out + ".wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(48000); w.writeframes(audio.tobytes())
json.dump({"utterances": truth}, open(out + ".truth.json", "w"))
print(f"{len(audio) / 48000 / 60:.1f} min, {len(truth)} utterances, {100 * (1 - speech):.0f} % pauses", file=sys.stderr)
EOF
sox "$work/long.wav" -r 16000 "$work/long.16k.wav"

export VERBATIM_PASSPHRASE=bench-passphrase XDG_DATA_HOME="$work/data"
"$bin" init "$work/study" >/dev/null
"$bin" participant add "$work/study" P01 >/dev/null
"$bin" import "$work/study" "$work/long.wav" --participant P01 >/dev/null
"$bin" models add "$models/ggml-tiny.en.bin" >/dev/null
id=$(ls "$work/study/participants/P01/sessions")
{
  echo "== verbatim transcribe (one core, one thread), $minutes min"
  taskset -c "$cpu" /usr/bin/time -f "verbatim: %e s wall, %U s user, peak RSS %M kB" \
    "$bin" transcribe "$work/study" "$id" --threads 1
  echo "== peer: whisper.cpp via pywhispercpp (one core, one thread), same model, plaintext 16 kHz"
  taskset -c "$cpu" /usr/bin/time -f "peer: %e s wall, %U s user, peak RSS %M kB" \
    scripts/asr-peer "$models/ggml-tiny.en.bin" "$work/long.16k.wav" >"$work/peer.json"
  "$HOME/.cache/verbatim-py/bin/python" -c "import json,sys; p=json.load(open(sys.argv[1])); print(f\"peer's own timing: {p['seconds_total']:.1f} s, model load {p['seconds_load']:.2f} s, {len(p['words'])} words\")" "$work/peer.json"
} 2>&1 | tee "$log"
