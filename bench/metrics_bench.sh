#!/usr/bin/env bash
# What metrics cost (issue 6's figures), with the real binary:
#  1. /metrics at a large fleet: a run of bench/scenarios/metrics-1m.textproto
#     (a million devices by default) is scraped every 2 s; the size and time of
#     each scrape, and the wall time of the snapshot behind it
#     (fleetsim_engine_snapshot_seconds), are summed up.
#  2. The overhead of --metrics-addr: the quickstart at --devices N (100,000
#     by default), on one engine thread, with and without metrics (scraped
#     every second, as the test's Prometheus does), same seed. Wall and CPU
#     seconds come from each run's JSON report; the trace hashes must match.
# Figures only: it fails only when a run fails. About 25 minutes at the defaults.
#
#   bench/metrics_bench.sh [--scrape-devices N] [--overhead-devices N] [--skip-scrape] [--skip-overhead]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
fleetsim="${FLEETSIM:-$root/build/cli/fleetsim}"
scrape_devices=1000000
overhead_devices=100000
skip_scrape=0
skip_overhead=0
while [ $# -gt 0 ]; do
  case "$1" in
    --scrape-devices) scrape_devices="$2"; shift 2 ;;
    --overhead-devices) overhead_devices="$2"; shift 2 ;;
    --skip-scrape) skip_scrape=1; shift ;;
    --skip-overhead) skip_overhead=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "metrics_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$fleetsim" ] || { echo "metrics_bench: no $fleetsim (make build first)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# A free loopback port (Python binds port 0 and reports what it got).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Scrapes 127.0.0.1:$1 every $2 s while process $3 lives; one line per
# scrape: bytes, seconds, the snapshot's seconds.
scrape_loop() {
  local port="$1" every="$2" pid="$3"
  while kill -0 "$pid" 2>/dev/null; do
    if curl -s -o "$work/last.txt" -w '%{size_download} %{time_total}' "http://127.0.0.1:$port/metrics" > "$work/one.txt" 2>/dev/null; then
      local snapshot
      snapshot="$(awk '/^fleetsim_engine_snapshot_seconds /{print $2}' "$work/last.txt")"
      echo "$(cat "$work/one.txt") ${snapshot:-0}"
    fi
    sleep "$every"
  done
}

summarize_scrapes() {
  python3 - "$1" <<'EOF'
import sys, statistics
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 3]
if not rows:
    print("  no scrape answered"); sys.exit()
size = [r[0] for r in rows]; took = [r[1] * 1000 for r in rows]; snap = [r[2] * 1000 for r in rows if r[2] > 0]
print(f"  scrapes: {len(rows)}; size: max {max(size):,.0f} B, median {statistics.median(size):,.0f} B")
print(f"  scrape time: median {statistics.median(took):.1f} ms, max {max(took):.1f} ms")
if snap:
    print(f"  snapshot (pass over the fleet): median {statistics.median(snap):.1f} ms, max {max(snap):.1f} ms")
EOF
}

if [ "$skip_scrape" = 0 ]; then
  port="$(free_port)"
  echo "== /metrics at $scrape_devices devices (bench/scenarios/metrics-1m.textproto)"
  /usr/bin/time -f '%e %U %S %M' -o "$work/time-scrape.txt" \
    "$fleetsim" run "$root/bench/scenarios/metrics-1m.textproto" --devices "$scrape_devices" --threads 1 --quiet \
    --metrics-addr "127.0.0.1:$port" --metrics-linger 3 --report "$work/scrape.json" > /dev/null &
  run_pid=$!
  scrape_loop "$port" 2 "$run_pid" > "$work/scrapes.txt"
  wait "$run_pid"
  summarize_scrapes "$work/scrapes.txt"
  read -r wall user sys rss_kib < "$work/time-scrape.txt"
  echo "  run: ${wall} s wall, peak RSS $((rss_kib / 1024)) MiB"
fi

if [ "$skip_overhead" = 0 ]; then
  echo "== overhead of --metrics-addr: quickstart at $overhead_devices devices, one engine thread"
  "$fleetsim" run "$root/scenarios/quickstart.textproto" --devices "$overhead_devices" --threads 1 --quiet \
    --report "$work/plain.json" > /dev/null
  port="$(free_port)"
  "$fleetsim" run "$root/scenarios/quickstart.textproto" --devices "$overhead_devices" --threads 1 --quiet \
    --metrics-addr "127.0.0.1:$port" --metrics-linger 0 --report "$work/metrics.json" > /dev/null &
  run_pid=$!
  scrape_loop "$port" 1 "$run_pid" > "$work/overhead-scrapes.txt"
  wait "$run_pid"
  python3 - "$work/plain.json" "$work/metrics.json" <<'EOF'
import json, sys
plain, metrics = (json.load(open(p)) for p in sys.argv[1:3])
for name, r in (("without", plain), ("with", metrics)):
    print(f"  {name:7} metrics: {r['wall_seconds']:.1f} s wall, {r['cpu_seconds']:.1f} s CPU, "
          f"peak RSS {r['peak_rss_bytes'] / 2**20:.0f} MiB")
print(f"  overhead: {100 * (metrics['wall_seconds'] / plain['wall_seconds'] - 1):+.1f} % wall, "
      f"{100 * (metrics['cpu_seconds'] / plain['cpu_seconds'] - 1):+.1f} % CPU")
print("  trace hashes " + ("match" if plain["trace_hash"] == metrics["trace_hash"] else "DIFFER"))
EOF
  summarize_scrapes "$work/overhead-scrapes.txt"
fi
