#!/usr/bin/env bash
# The coverage of the whole library after a budget of exploration (issue 19's
# third figure, 30 minutes by default): `fleetsim explore` on every library
# file with an `explore {}` section (scenarios/*.textproto; quickstart and
# scale-1m have none), the budget split evenly over the files (--time each),
# then the --report JSON files merged: runs and failures per file, and over
# the library, per attack kind the checks that stopped it, the catalogued
# checks no file reached (unreached only if no file reached it), torn writes
# by kind, and the device states and update steps each fault kind met. A
# run that fails an expectation (explore's exit 1) is a finding; a file
# explore refuses or cannot finish (exit 2 or 3) is reported and this
# script exits 3 at the end.
#
#   bench/library_coverage.sh [--total 30m] [--devices 500] [--jobs 2] [--seed 1]
#                             [--json FILE] [--work DIR] [--files "a.textproto b.textproto"]
#
# --devices N: each file is rescaled to N devices, or to its min_devices when
# that is larger (the file refuses smaller fleets). --work DIR keeps the
# reports and reproducers there (default: a temporary directory, removed).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
fleetsim="${FLEETSIM:-$root/build/cli/fleetsim}"
total="30m"
devices=500
jobs=2
seed=1
json_out=""
work=""
files=""
while [ $# -gt 0 ]; do
  case "$1" in
    --total) total="$2"; shift 2 ;;
    --devices) devices="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --json) json_out="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --files) files="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "library_coverage: unknown argument $1" >&2; exit 2 ;;
  esac
done

# "30m", "90s", "1h30m": seconds.
total_seconds="$(python3 -c '
import re, sys
t = sys.argv[1]
parts = re.fullmatch(r"(?:\d+[dhms])+", t) and re.findall(r"(\d+)([dhms])", t)
if not parts: sys.exit(1)
print(sum(int(n) * {"d": 86400, "h": 3600, "m": 60, "s": 1}[u] for n, u in parts))
' "$total")" || { echo "library_coverage: --total: a duration such as 30m, 90s, 1h30m" >&2; exit 2; }
[[ "$devices" =~ ^[1-9][0-9]*$ ]] || { echo "library_coverage: --devices: a whole number above 0" >&2; exit 2; }
[ -x "$fleetsim" ] || { echo "library_coverage: $fleetsim is missing (build it, or set FLEETSIM)" >&2; exit 2; }

if [ -z "$files" ]; then
  files="$(grep -l '^explore {' "$root"/scenarios/*.textproto | sort | tr '\n' ' ')"
fi
read -r -a file_list <<< "$files"
[ "${#file_list[@]}" -gt 0 ] || { echo "library_coverage: no library file with an explore section" >&2; exit 2; }
per_file=$(( total_seconds / ${#file_list[@]} ))
[ "$per_file" -ge 1 ] || { echo "library_coverage: --total gives less than 1 s a file" >&2; exit 2; }

if [ -z "$work" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
else
  mkdir -p "$work"
fi

echo "library_coverage: ${#file_list[@]} files, ${per_file} s each (--total $total), --jobs $jobs, seed $seed" >&2
status=0
manifest="$work/manifest.tsv"  # file, devices, explore's exit code, report
: > "$manifest"
for file in "${file_list[@]}"; do
  name="$(basename "$file" .textproto)"
  floor="$(sed -nE 's/^[[:space:]]*min_devices:[[:space:]]*([0-9]+).*/\1/p' "$file" | head -1)"
  n="$devices"
  if [ -n "$floor" ] && [ "$floor" -gt "$n" ]; then n="$floor"; fi
  echo "library_coverage: $name at $n devices" >&2
  code=0
  "$fleetsim" explore "$file" --time "${per_file}s" --devices "$n" --jobs "$jobs" --seed "$seed" --no-shrink \
    --quiet --out "$work/out-$name" --report "$work/$name.json" > "$work/$name.txt" 2> "$work/$name.err" || code=$?
  if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
    echo "library_coverage: fleetsim explore $file exited $code:" >&2
    sed 's/^/  /' "$work/$name.err" >&2
    status=3
  fi
  printf '%s\t%s\t%s\t%s\n' "$file" "$n" "$code" "$work/$name.json" >> "$manifest"
done

python3 - "$manifest" "$total_seconds" "$per_file" "$jobs" "$seed" "$json_out" <<'PY'
import json, os, sys

manifest, total_seconds, per_file, jobs, seed, json_out = sys.argv[1:7]
files, reports = [], []
for line in open(manifest):
    path, devices, code, report = line.rstrip("\n").split("\t")
    entry = {"file": os.path.relpath(path), "devices": int(devices), "exit_code": int(code)}
    if os.path.exists(report) and int(code) in (0, 1, 3):
        r = json.load(open(report))
        reports.append(r)
        entry.update(runs=r["runs"], failed=r["failed"], wall_seconds=r["wall_seconds"],
                     failures_by_expectation=r["failures_by_expectation"], errors=len(r["errors"]))
    files.append(entry)

# Attack kinds and their checks, summed over the files; a check's order is the
# first file's (the catalogue's, then others seen).
attacks = {}
for r in reports:
    for a in r["coverage"]["attacks"]:
        m = attacks.setdefault(a["kind"], {"kind": a["kind"], "runs": 0, "tried": 0, "stopped": 0,
                                           "got_through": 0, "files": 0, "checks": {}})
        m["files"] += 1
        for k in ("runs", "tried", "stopped", "got_through"):
            m[k] += a[k]
        for c in a["checks"]:
            mc = m["checks"].setdefault(c["check"], {"check": c["check"], "stopped": 0, "runs": 0,
                                                     "catalogued": c["catalogued"]})
            mc["stopped"] += c["stopped"]
            mc["runs"] += c["runs"]
faults = {}
for r in reports:
    for f in r["coverage"]["faults"]:
        m = faults.setdefault(f["kind"], {"kind": f["kind"], "runs": 0, "devices_hit": 0, "armed": 0,
                                          "writes_torn": 0, "torn_by_write_kind": {}, "device_states": {},
                                          "update_steps": {}})
        for k in ("runs", "devices_hit", "armed", "writes_torn"):
            m[k] += f[k]
        for field in ("torn_by_write_kind", "device_states", "update_steps"):
            for k, n in f.get(field, {}).items():
                m[field][k] = m[field].get(k, 0) + n

def reached_anywhere(item):
    """Whether the library reached what a file listed as unreached, from the
    sums over every file; None for a form this script does not know."""
    if item.startswith("power_loss: ") and item.endswith(" write"):
        write = item[len("power_loss: "):-len(" write")]
        return faults.get("power_loss", {}).get("torn_by_write_kind", {}).get(write, 0) > 0
    if ": " in item:
        kind, check = item.split(": ", 1)
        return attacks.get(kind, {}).get("checks", {}).get(check, {}).get("stopped", 0) > 0
    if " in " in item:
        kind, state = item.split(" in ", 1)
        return faults.get(kind, {}).get("device_states", {}).get(state, 0) > 0
    if " at " in item:
        kind, step = item.split(" at ", 1)
        return faults.get(kind, {}).get("update_steps", {}).get(step, 0) > 0
    return None

# Unreached over the library: listed by some file and reached by none.
listed = []
for r in reports:
    for u in r["coverage"]["unreached"]:
        if u not in listed:
            listed.append(u)
unreached = []
for u in listed:
    reached = reached_anywhere(u)
    if reached is None:  # unknown form: unreached only if every file listed it
        reached = not all(u in r["coverage"]["unreached"] for r in reports)
    if not reached:
        unreached.append(u)

def pairs(d):
    return ", ".join(f"{k} {n:,}" for k, n in d.items()) or "-"

print(f"\nper file ({int(per_file)} s of --time each, --jobs {jobs}, seed {seed}, no shrinking):")
print(f"{'file':<48} {'devices':>7} {'runs':>6} {'failed':>6} {'wall_s':>8}  failures")
for e in files:
    if "runs" not in e:
        print(f"{e['file']:<48} {e['devices']:>7} {'-':>6} {'-':>6} {'-':>8}  explore exited {e['exit_code']}")
        continue
    note = pairs(e["failures_by_expectation"])
    if e["exit_code"] not in (0, 1):
        note += f"; explore exited {e['exit_code']}"
    print(f"{e['file']:<48} {e['devices']:>7} {e['runs']:>6} {e['failed']:>6} {e['wall_seconds']:>8.1f}  {note}")
runs = sum(e.get("runs", 0) for e in files)
failed = sum(e.get("failed", 0) for e in files)
print(f"{'library':<48} {'':>7} {runs:>6} {failed:>6}")

print("\nchecks that stopped attacks, over the library:")
print(f"{'attack kind':<22} {'files':>5} {'runs':>6} {'tried':>10} {'stopped':>10} {'through':>8}  checks")
for kind in sorted(attacks):
    a = attacks[kind]
    checks = ", ".join(
        f"{c['check']} " + (f"{c['stopped']:,}" if c["stopped"] else "UNREACHED")
        + ("" if c["catalogued"] else " (not in the catalogue)")
        for c in a["checks"].values()) or "none (refused for its rate)"
    print(f"{kind:<22} {a['files']:>5} {a['runs']:>6} {a['tried']:>10,} {a['stopped']:>10,} {a['got_through']:>8,}  {checks}")

print(f"\nunreached over the library (no file reached it): {len(unreached)}")
for u in unreached:
    print(f"  {u}")

print("\nfaults, over the library:")
print(f"{'fault kind':<22} {'runs':>6} {'devices hit':>12} {'armed':>8} {'torn':>8}  torn by kind of write; device states met; update steps met")
for kind in sorted(faults):
    f = faults[kind]
    torn = pairs(f["torn_by_write_kind"]) if f["torn_by_write_kind"] else ""
    states = pairs(f["device_states"]) if f["device_states"] else ""
    steps = pairs(f["update_steps"]) if f["update_steps"] else ""
    print(f"{kind:<22} {f['runs']:>6} {f['devices_hit']:>12,} {f['armed']:>8,} {f['writes_torn']:>8,}  "
          + "; ".join(x for x in (torn, states, steps) if x))

if json_out:
    merged = {
        "total_seconds": int(total_seconds), "seconds_per_file": int(per_file), "jobs": int(jobs), "seed": int(seed),
        "files": files, "runs": runs, "failed": failed,
        "coverage": {
            "attacks": [dict(a, checks=list(a["checks"].values())) for _, a in sorted(attacks.items())],
            "faults": [f for _, f in sorted(faults.items())],
            "unreached": unreached,
        },
    }
    with open(json_out, "w") as out:
        json.dump(merged, out, indent=2)
        out.write("\n")
PY
exit "$status"
