#!/usr/bin/env bash
# CPU cost of live recording: `verbatim record --headless` against the peer pipeline
# `parecord | age -r RECIPIENT`, in the same run, on the same live source.
#
# A private PulseAudio daemon (no sound card needed) has a null sink `virt` whose monitor is the
# default source; real speech (src/demo/interview.wav at 48 kHz) plays into it in a loop. Each
# tool then records 48 kHz mono 16-bit from virt.monitor for BENCH_SECONDS (default 60), encrypted
# to the same X25519 recipient; the two alternate for BENCH_ROUNDS rounds (default 2).
# CPU = user+sys seconds of every process of the tool (verbatim; parecord + age + the `timeout`
# that sends parecord its SIGINT), read with bash's `times` in a subshell that ran only that tool.
# Both outputs are decrypted and measured afterwards. Goal: verbatim CPU <= the peer's.
#
# Also shown: the PulseAudio daemon's own CPU during each run (it also plays the speech, the same
# for both), since a client's requests cost server time too.
# BENCH_SINK_OPTS (default "rate=48000") are extra module-null-sink arguments; the sink is
# stereo by default, so both tools get the same server-side downmix to mono.
# BENCH_PEER_LATENCY_MS (default 100, the period verbatim asks for) is parecord's --latency-msec.
# Usage: benches/record_cpu.sh   (after `cargo build --release`; needs pulseaudio, pulseaudio-utils, age, sox)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${BENCH_SECONDS:-60}
rounds=${BENCH_ROUNDS:-2}
sink_opts=${BENCH_SINK_OPTS:-rate=48000}
peer_latency=${BENCH_PEER_LATENCY_MS:-100}
bin=$PWD/target/release/verbatim
[ -x "$bin" ] || cargo build --release
for tool in pulseaudio pactl paplay parecord age sox soxi timeout; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (see scripts/system-packages)" >&2; exit 1; }
done

work=$(mktemp -d -t verbatim-bench-cpu.XXXXXX)
player="" daemon=""
cleanup() {
  [ -z "$player" ] || kill -- "-$player" 2>/dev/null || true
  [ -z "$daemon" ] || pulseaudio --kill 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A daemon of our own, reachable only through these variables. PULSE_RUNTIME_PATH stays unset:
# the pure-Rust client in cpal reads it as the parent of pulse/native and would miss the socket.
mkdir -m 700 "$work/run" "$work/home"
export XDG_RUNTIME_DIR=$work/run HOME=$work/home PULSE_STATE_PATH=$work/home/state
export PULSE_CLIENTCONFIG=$work/client.conf VERBATIM_PASSPHRASE=bench-$$
unset PULSE_SERVER PULSE_SINK PULSE_SOURCE PULSE_COOKIE PULSE_RUNTIME_PATH DISPLAY DBUS_SESSION_BUS_ADDRESS
echo "autospawn = no" > "$PULSE_CLIENTCONFIG"
daemon=starting
pulseaudio --daemonize=yes --exit-idle-time=-1 -n --use-pid-file=yes --disallow-exit=no \
  --load="module-null-sink sink_name=virt $sink_opts" --load=module-native-protocol-unix \
  --log-target="file:$work/pulse.log"
for _ in $(seq 100); do pactl info >/dev/null 2>&1 && break; sleep 0.05; done
pactl set-default-source virt.monitor
daemon=$(cat "$work/run/pulse/pid")
daemon_cpu() { awk '{ printf "%.2f\n", ($14 + $15) / 100 }' "/proc/$daemon/stat"; }

"$bin" init "$work/proj" >/dev/null
"$bin" participant add "$work/proj" P01 >/dev/null
"$bin" key export "$work/proj" --participant P01 -o "$work/key.txt" 2>/dev/null
recipient=$(cat "$work/proj/participants/P01/recipient.txt")

sox src/demo/interview.wav -r 48000 -c 1 -b 16 "$work/speech.wav"
# In its own process group (setsid does not fork here), so cleanup stops the loop and its paplay.
# shellcheck disable=SC2016 # $1 is expanded by the inner bash
setsid bash -c 'while :; do paplay -d virt "$1"; done' _ "$work/speech.wav" &
player=$!
sleep 1

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
# measure NAME CMD...: runs CMD in a subshell; prints "wall cpu" (seconds).
measure() {
  local start=$EPOCHREALTIME
  ( "${@:2}"; times > "$work/$1.times" )
  local end=$EPOCHREALTIME
  awk -v w="$(calc "$end - $start")" 'NR == 2 {
    split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f %.3f\n", w, u[1] * 60 + u[2] + s[1] * 60 + s[2] }' \
    "$work/$1.times"
}
rec_verbatim() {
  "$bin" record "$work/proj" --participant P01 --headless --for "${secs}s" > "$work/verbatim.log" 2>&1
}
rec_peer() {
  timeout -s INT "$secs" parecord -d virt.monitor --rate 48000 --channels 1 --format s16le --raw \
    --latency-msec "$peer_latency" | age -r "$recipient" > "$work/peer.age" || [ $? -eq 124 ]
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); sink: $(pactl list short sinks | cut -f2,4-)"
echo "$rounds rounds of ${secs} s each, alternating; CPU via bash 'times' (children user+sys); peer latency ${peer_latency} ms"
printf '%-9s %5s %8s %8s %8s %6s %9s  %s\n' tool round wall_s audio_s cpu_s cpu_% daemon_s notes
declare -A total_cpu total_audio total_wall
for round in $(seq "$rounds"); do
  for tool in verbatim peer; do
    rm -f "$work/peer.age" "$work/out.wav"
    d0=$(daemon_cpu)
    measure "$tool" "rec_$tool" > "$work/measured"  # in the foreground, so Ctrl+C reaches the tool
    read -r wall cpu < "$work/measured"
    daemon_s=$(calc "$(daemon_cpu) - $d0")
    if [ "$tool" = verbatim ]; then
      saved=$(grep '^Saved session' "$work/verbatim.log") || { cat "$work/verbatim.log" >&2; exit 1; }
      session=$(awk '{ print $3 }' <<< "$saved")
      "$bin" decrypt "$work/proj" "$session" -o "$work/out.wav" >/dev/null 2>&1
      audio=$(soxi -D "$work/out.wav")
      from=$(sed -n 's/^Recording session .* from \(.*\)\. Ctrl+C stops\./\1/p' "$work/verbatim.log")
      notes="$(grep -o '[0-9]* frames dropped' <<< "$saved"); $(grep -c '^verbatim:' "$work/verbatim.log" || true) warnings; $from"
    else
      bytes=$(age -d -i "$work/key.txt" "$work/peer.age" | wc -c)
      audio=$(calc "$bytes / 96000")
      notes="$bytes bytes of PCM"
    fi
    pct=$(calc "100 * $cpu / $wall")
    printf '%-9s %5s %8.2f %8.2f %8.3f %6.2f %9.2f  %s\n' "$tool" "$round" "$wall" "$audio" "$cpu" "$pct" "$daemon_s" "$notes"
    if awk -v a="$audio" -v s="$secs" 'BEGIN { exit !(a < 0.9 * s - 2) }'; then
      echo "  WARNING: $tool recorded only $audio s of ${secs} s" >&2
    fi
    total_cpu[$tool]=$(calc "${total_cpu[$tool]:-0} + $cpu")
    total_audio[$tool]=$(calc "${total_audio[$tool]:-0} + $audio")
    total_wall[$tool]=$(calc "${total_wall[$tool]:-0} + $wall")
  done
done

echo
printf '%-9s %9s %9s %10s %16s\n' tool audio_s cpu_s "cpu_%core" "cpu_s/audio_h"
for tool in verbatim peer; do
  printf '%-9s %9.2f %9.3f %10.2f %16.1f\n' "$tool" "${total_audio[$tool]}" "${total_cpu[$tool]}" \
    "$(calc "100 * ${total_cpu[$tool]} / ${total_wall[$tool]}")" \
    "$(calc "3600 * ${total_cpu[$tool]} / ${total_audio[$tool]}")"
done
per() { calc "${total_cpu[$1]} / ${total_audio[$1]}"; }
ratio=$(printf '%.2f' "$(calc "$(per verbatim) / $(per peer)")")
echo "ratio verbatim/peer (CPU per second of audio): $ratio  (goal <= 1)"
