#!/usr/bin/env bash
# Speed and accuracy of pause analysis against its peers, on one core.
#
# Prepares the real-voice rooms and the Python peer (scripts/rooms), builds both benches first
# (on every core), then runs them pinned with `taskset -c $BENCH_CPU` (default 0): the speed goal
# (an hour in at most 3.6 s, 1000x real time) is for one core, and ffmpeg and the Python peer,
# started by the benches, inherit the pin, so every tool gets the same core. Pick an idle core
# with BENCH_CPU if something else is busy on core 0. Output goes to the terminal and to
# target/analysis-bench.txt. Extra arguments go to criterion, e.g. a filter:
# benches/analysis_report.sh verbatim
# Usage: benches/analysis_report.sh   (needs sox, ffmpeg, taskset; see scripts/system-packages)
set -euo pipefail
cd "$(dirname "$0")/.."
cpu=${BENCH_CPU:-0}
for tool in sox ffmpeg taskset; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (see scripts/system-packages)" >&2; exit 1; }
done
scripts/onnxruntime >/dev/null
export ORT_DISABLE_TELEMETRY=1   # Microsoft's ONNX Runtime records usage telemetry without it
# Fresh sets of the same kinds of rooms besides takes 1-2 (ROOM_SETS="" for takes 1-2 alone):
# the accuracy they show is what a recording the detector was not developed on can expect.
VERBATIM_ROOMS="$(scripts/rooms ${ROOM_SETS-21 31 41 51 61 71})"
export VERBATIM_ROOMS
cargo bench --bench analysis --bench analysis_accuracy --no-run
log=${CARGO_TARGET_DIR:-target}/analysis-bench.txt
{
  taskset -c "$cpu" cargo bench --bench analysis_accuracy
  taskset -c "$cpu" cargo bench --bench analysis -- "$@"
} 2>&1 | tee "$log"
