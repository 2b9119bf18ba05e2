#!/usr/bin/env bash
# `fleetsim explore` throughput (issue 19's figure): runs per minute of a
# library scenario at 500 and at 2,000 devices, --jobs 2 (this machine's
# cores), no shrinking, so the figure is the runs alone. Wall seconds come
# from the --report JSON. Figures only: it fails only when the command does
# not run (exit 2 or 3; exit 1, a failing run, is a finding, not an error).
#
#   bench/explore_bench.sh [--scenario FILE] [--runs N] [--jobs J] [--sizes "500 2000"]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
fleetsim="${FLEETSIM:-$root/build/cli/fleetsim}"
scenario="$root/scenarios/power-loss-during-update.textproto"
runs=20
jobs=2
sizes="500 2000"
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario) scenario="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "explore_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '%-8s %6s %6s %10s %12s %8s\n' devices runs failed wall_s runs_per_min jobs
for devices in $sizes; do
  code=0
  "$fleetsim" explore "$scenario" --runs "$runs" --devices "$devices" --jobs "$jobs" --no-shrink --quiet \
    --out "$work/out-$devices" --report "$work/report-$devices.json" >/dev/null || code=$?
  if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
    echo "explore_bench: fleetsim explore exited $code at $devices devices" >&2
    exit "$code"
  fi
  python3 - "$work/report-$devices.json" "$devices" "$jobs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<8} {r['runs']:>6} {r['failed']:>6} {r['wall_seconds']:>10.1f} {60 * r['runs'] / r['wall_seconds']:>12.1f} {sys.argv[3]:>8}")
PY
done
