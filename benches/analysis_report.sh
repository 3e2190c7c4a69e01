#!/usr/bin/env bash
# Speed and accuracy of pause analysis against ffmpeg's silencedetect, on one core.
#
# Builds the bench first (on every core), then runs it pinned with `taskset -c $BENCH_CPU`
# (default 0): the goal (>= 2000x real time, at most half ffmpeg's time) is for one core, and
# ffmpeg, started by the bench, inherits the pin, so both tools get the same core. The analysis
# takes no affinity itself (the crate forbids unsafe code). Pick an idle core with BENCH_CPU if
# something else is busy on core 0. Output goes to the terminal and to target/analysis-bench.txt.
# Extra arguments go to criterion, e.g. a filter: benches/analysis_report.sh verbatim
# Usage: benches/analysis_report.sh   (needs sox, ffmpeg, taskset; see scripts/system-packages)
set -euo pipefail
cd "$(dirname "$0")/.."
cpu=${BENCH_CPU:-0}
for tool in sox ffmpeg taskset; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (see scripts/system-packages)" >&2; exit 1; }
done
cargo bench --bench analysis --no-run
log=${CARGO_TARGET_DIR:-target}/analysis-bench.txt
taskset -c "$cpu" cargo bench --bench analysis -- "$@" 2>&1 | tee "$log"
