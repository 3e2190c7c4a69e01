#!/usr/bin/env bash
# Memory of a recording: resident set size after one minute of real-time recording against a
# two-hour recording done faster than real time. Goal: flat (no growth with length) and < 40 MB.
#
# Uses the virtual microphone (hidden flags --input-file/--input-loop/--input-speed), fed with
# src/demo/interview.wav resampled to 48 kHz mono 16-bit, looped:
#   (a) speed 1 for BENCH_SECONDS (default 60)          = 1 min of audio
#   (b) speed BENCH_SPEED (default 120) for BENCH_SECONDS = 2 h of audio
# VmRSS and VmHWM are read from /proc/PID/status every second. For each run it prints the RSS at
# 10 s, 30 s and the end, the peak (VmHWM), the audio recorded and the frames dropped (from
# `verbatim sessions --json`), which must be 0. The writer fsyncs every sealed 64 KiB chunk, so
# a fast run can outpace the disk: if (b) drops frames, the speeds in BENCH_SEARCH_SPEEDS are
# tried (same length) and the highest without drops is reported.
# Usage: benches/record_rss.sh   (after `cargo build --release`; needs sox)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${BENCH_SECONDS:-60}
speed=${BENCH_SPEED:-120}
search=${BENCH_SEARCH_SPEEDS:-90 60 45 30 15}
bin=$PWD/target/release/verbatim
[ -x "$bin" ] || cargo build --release
command -v sox >/dev/null || { echo "sox is missing (see scripts/system-packages)" >&2; exit 1; }

work=$(mktemp -d -t verbatim-bench-rss.XXXXXX)
pid=""
cleanup() {
  [ -z "$pid" ] || { kill -INT "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export VERBATIM_PASSPHRASE=bench-$$
"$bin" init "$work/proj" >/dev/null
"$bin" participant add "$work/proj" P01 >/dev/null
sox src/demo/interview.wav -r 48000 -c 1 -b 16 "$work/speech.wav"

kb_mb() { if [ "$1" = - ]; then echo -; else awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; fi; }
field() { grep -o "\"$1\":[0-9]*" <<< "$2" | cut -d: -f2; }

# run SPEED: records for $secs at SPEED; sets rss10 rss30 rss_end hwm audio dropped gaps.
run() {
  local t=0 status rss hwm_now
  rss10=- rss30=- rss_end=- hwm=0
  "$bin" record "$work/proj" --participant P01 --headless --input-file "$work/speech.wav" \
    --input-loop --input-speed "$1" --for "${secs}s" > "$work/log" 2>&1 &
  pid=$!
  while status=$(cat "/proc/$pid/status" 2>/dev/null) && ! grep -q '^State:.*Z' <<< "$status"; do
    rss=$(awk '/^VmRSS:/ { print $2 }' <<< "$status")
    hwm_now=$(awk '/^VmHWM:/ { print $2 }' <<< "$status")
    [ -z "$rss" ] || { rss_end=$rss; hwm=$hwm_now; }
    [ "$t" -ne 10 ] || rss10=$rss
    [ "$t" -ne 30 ] || rss30=$rss
    sleep 1
    t=$((t + 1))
  done
  wait "$pid" || echo "  verbatim exited with status $?" >&2
  pid=""
  local session json
  session=$(awk '/^Saved session/ { print $3 }' "$work/log")
  [ -n "$session" ] || { cat "$work/log" >&2; exit 1; }
  json=$("$bin" sessions "$work/proj" --json | tr -d ' \n' | grep -o "\"id\":\"$session\"[^}]*")
  audio=$(awk -v ms="$(field duration_ms "$json")" 'BEGIN { printf "%.1f", ms / 1000 }')
  dropped=$(field dropped_frames "$json")
  gaps=$(grep -c '^verbatim: .* lost' "$work/log" || true)
}

row() { # LABEL SPEED
  printf '%-16s %6s %8s %8s %8s %8s %10s %8s %5s\n' "$1" "$2" "$(kb_mb "$rss10")" "$(kb_mb "$rss30")" \
    "$(kb_mb "$rss_end")" "$(kb_mb "$hwm")" "$audio" "$dropped" "$gaps"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(df -T "$work" | awk 'NR == 2 { print $2, "on", $1 }')"
echo "each run ${secs} s wall; RSS in MB (VmRSS sampled every 1 s; '-' = run ended before then)"
printf '%-16s %6s %8s %8s %8s %8s %10s %8s %5s\n' run speed rss@10s rss@30s rss_end peak_hwm audio_s dropped gaps
run 1
row "a) real time" 1
run "$speed"
row "b) fast" "$speed"
first_drop=$dropped
if [ "$first_drop" -ne 0 ]; then
  grep '^verbatim:' "$work/log" | sed 's/^/  at x'"$speed"': /'
  best=none
  for s in $search; do
    run "$s"
    row "   search" "$s"
    if [ "$dropped" -eq 0 ]; then best=$s; break; fi
  done
  echo "x$speed dropped $first_drop frames; highest speed tried without drops: $best (of: $search)"
fi
