#!/usr/bin/env bash
# Starts shardmq-echo on an ephemeral loopback port, echoes a line through it with bash's
# /dev/tcp, then stops it with SIGTERM and expects a clean exit 0.
set -euo pipefail
echo_bin=$1
cores=${2:-all}  # a number, or "all": the default, one reactor per physical core
log=$(mktemp)
trap 'rm -f "$log"; [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null || true' EXIT
core_args=()
[[ $cores == all ]] || core_args=(--cores "$cores")
"$echo_bin" --listen 127.0.0.1:0 "${core_args[@]}" 2>"$log" &
pid=$!
for _ in $(seq 200); do
  grep -q 'listening on' "$log" && break
  sleep 0.05
done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
[[ -n $port ]] || { echo "no 'listening on' line:"; cat "$log"; exit 1; }
for attempt in 1 2 3 4; do
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'hello shardmq %s\n' "$attempt" >&3
  IFS= read -r -t 5 line <&3
  exec 3>&-
  [[ $line == "hello shardmq $attempt" ]] || { echo "echoed '$line'"; exit 1; }
done
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
cat "$log"
[[ $status -eq 0 ]] || { echo "exit status $status after SIGTERM"; exit 1; }
grep -q 'stopped' "$log"
echo "echo smoke: ok on port $port"
