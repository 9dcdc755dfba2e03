#!/usr/bin/env bash
# Agent listener benchmarks (docs/benchmarks.md): checkin-limit's bare HTTPS baseline, then
# `patchagent simulate` against benchhost (the listener on a fresh SQLite data dir) on 127.0.0.1,
# in the same run so that the ratios compare like with like. Usage: bench.sh [OUTDIR]
set -euo pipefail
top=$(git rev-parse --show-toplevel)
out=${1:-$(mktemp -d)}
limit=${CHECKIN_LIMIT:-$top/../shared/tools/checkin-limit}
mkdir -p "$out"
cd "$top"
go build -o "$out/patchagent" ./cmd/patchagent
go build -o "$out/benchhost" ./agentsvc/internal/benchhost
(cd "$limit" && go build -o "$out/checkin-limit" .)

echo "load before: $(cat /proc/loadavg)" > "$out/report.txt"
echo "== checkin-limit (baseline)" | tee -a "$out/report.txt"
for mode in mem sqlite-batch; do
  "$out/checkin-limit" -mode "$mode" -c 200 -d 10s | tee -a "$out/report.txt"
done

host() { # host NAME USES: start benchhost on a fresh data dir, wait for its token
  rm -rf "$out/$1"; mkdir -p "$out/$1"
  "$out/benchhost" -data "$out/$1" -addr 127.0.0.1:0 -uses "$2" -token-out "$out/$1/token" >"$out/$1/host.json" 2>"$out/$1/host.err" &
  echo $! >"$out/$1/pid"
  while [ ! -s "$out/$1/token" ]; do sleep 0.2; done
}
stop() { kill -TERM "$(cat "$out/$1/pid")"; while kill -0 "$(cat "$out/$1/pid")" 2>/dev/null; do sleep 0.2; done; }

echo "== unchanged check-ins, back to back, 200 connections (compare with checkin-limit -c 200)" | tee -a "$out/report.txt"
host max 2000
"$out/patchagent" simulate --count 2000 --token "$(cat "$out/max/token")" --interval 0 --duration 10s --change-rate 0 --conns 200 | tee -a "$out/report.txt"
stop max

echo "== changed inventories, back to back (every check-in uploads)" | tee -a "$out/report.txt"
host changed 2000
"$out/patchagent" simulate --count 2000 --token "$(cat "$out/changed/token")" --interval 0 --duration 10s --change-rate 1 --conns 200 | tee -a "$out/report.txt"
stop changed

echo "== 20,000 agents: enrolment, then 2,000 check-ins/s of which 15% changed, for 60 s" | tee -a "$out/report.txt"
host fleet 20000
"$out/patchagent" simulate --count 20000 --token "$(cat "$out/fleet/token")" --interval 10s --duration 60s --change-rate 0.15 --conns 200 | tee -a "$out/report.txt"
grep VmRSS /proc/"$(cat "$out/fleet/pid")"/status | tee -a "$out/report.txt"
stop fleet
echo "host totals and peak RSS: $(cat "$out/fleet/host.json")" | tee -a "$out/report.txt"
echo "load after: $(cat /proc/loadavg)" >> "$out/report.txt"
echo "report: $out/report.txt"
