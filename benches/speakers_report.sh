#!/usr/bin/env bash
# Speed and memory of `verbatim speakers` on an hour of conversation, on one core, next to the
# peer (scripts/speaker-peer: pyannote segmentation-3.0 + CAM++ in sherpa-onnx) on the same audio.
#
# Makes a long recording (default 60 min) by repeating the speaker fixtures (scripts/speaker-
# fixtures: three real voices, three espeak-ng voices, a focus group of seven), imports it, makes
# its pause layer (`verbatim analyze`, timed apart: it is made once per session, for pauses and
# review), then times, pinned to one core (`taskset -c $BENCH_CPU`, default 0):
#   verbatim  the whole `speakers --count 7` on the encrypted session: unlock, decrypt, embed
#             every stretch of voice with the d-vector model, cluster, turns, the encrypted write;
#   peer      scripts/speaker-peer run on the plaintext 16 kHz copy, one thread, model load included.
# Peak RSS of each comes from GNU time. (Accuracy against the truth is tests/speakers.rs's.)
# Output goes to the terminal and to target/speakers-bench.txt.
# Usage: benches/speakers_report.sh [MINUTES]   (needs sox, taskset, /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-60}
cpu=${BENCH_CPU:-0}
for tool in sox taskset /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install sox util-linux time)" >&2; exit 1; }
done
VERBATIM_ONNXRUNTIME="$(scripts/onnxruntime)"
export VERBATIM_ONNXRUNTIME ORT_DISABLE_TELEMETRY=1
fixtures="$(scripts/speaker-fixtures)"
model="$(scripts/speaker-models)"
scripts/speaker-peer setup >/dev/null
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/verbatim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=${CARGO_TARGET_DIR:-target}/speakers-bench.txt

one=("$fixtures/three-real.wav" "$fixtures/three-espeak.wav" "$fixtures/seven-mixed.wav")
round=$(sox "${one[@]}" -n stat 2>&1 | awk '/Length/{print $3}')
repeats=$(python3 -c "import math; print(math.ceil($minutes * 60 / $round))")
list=()
for _ in $(seq "$repeats"); do list+=("${one[@]}"); done
sox "${list[@]}" "$work/long.wav" trim 0 "$((minutes * 60))"
sox "$work/long.wav" -r 16000 "$work/long.16k.wav"
echo "made $(soxi -d "$work/long.wav") of conversation from $fixtures" >&2

export VERBATIM_PASSPHRASE=bench-passphrase XDG_DATA_HOME="$work/data"
"$bin" init "$work/study" >/dev/null
"$bin" participant add "$work/study" P01 >/dev/null
"$bin" import "$work/study" "$work/long.wav" --participant P01 >/dev/null
"$bin" models add "$model" --name dvector >/dev/null
id=$(ls "$work/study/participants/P01/sessions")
{
  echo "== verbatim analyze (the pause layer, made once per session; one core), $minutes min"
  taskset -c "$cpu" /usr/bin/time -f "analyze: %e s wall, %U s user, peak RSS %M kB" "$bin" analyze "$work/study" "$id"
  echo "== verbatim speakers --count 7 (one core), $minutes min"
  taskset -c "$cpu" /usr/bin/time -f "verbatim: %e s wall, %U s user, peak RSS %M kB" \
    "$bin" speakers "$work/study" "$id" --count 7
  echo "== peer: scripts/speaker-peer (segmentation-3.0 + CAM++, sherpa-onnx; one core, one thread), plaintext 16 kHz"
  taskset -c "$cpu" /usr/bin/time -f "peer: %e s wall, %U s user, peak RSS %M kB" \
    scripts/speaker-peer run "$work/long.16k.wav" 7 >"$work/peer.txt"
  echo "peer: $(wc -l <"$work/peer.txt") turns"
} 2>&1 | tee "$log"
