#!/usr/bin/env bash
# Runs the store benchmark and, in the same run, the standard age CLI on the same amount of
# audio: encrypting one hour, and reaching the one-hour mark of a two-hour file (age has no
# seek, so it must decrypt everything before that point).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench store 2>&1 | grep -E "^(write|seek|open)|time:|thrpt:"
work=$(mktemp -d -p target)
trap 'rm -rf "$work"' EXIT
age-keygen -o "$work/key" 2>/dev/null
recipient=$(age-keygen -y "$work/key")
sox -n -r 48000 -b 16 -c 1 "$work/hour.wav" synth 3600 whitenoise vol 0.3 2>/dev/null
for _ in 1 2 3; do
  /usr/bin/time -f "peer: age CLI encrypts 1 h of 48 kHz mono 16-bit: wall %e s, CPU %U+%S s" \
    sh -c "age -r $recipient -o '$work/hour.age' '$work/hour.wav' && sync '$work/hour.age'"
done
sox "$work/hour.wav" "$work/hour.wav" "$work/two.wav"
age -r "$recipient" -o "$work/two.age" "$work/two.wav"
for _ in 1 2 3; do
  /usr/bin/time -f "peer: age -d up to the 1 h mark of a 2 h file, then 10 ms: wall %e s" \
    sh -c "age -d -i '$work/key' '$work/two.age' | tail -c +$((44 + 3600 * 96000)) | head -c 960 > /dev/null"
done
