#!/usr/bin/env bash
# Run the benchmarks (release build): the evaluation, the membership plans and
# the placement map, and write BENCHMARKS.md at the repository root: the
# machine, the date, the command, then each bench's tables. Everything in the
# old BENCHMARKS.md from the line "## Notes" on (what people wrote about
# earlier runs) is kept, after the new tables.
#
# The reference tool runs beside the engine when these are set (each run takes
# 15 to 170 s, so a full run takes about a quarter of an hour):
#   REFERENCE_PYTHON  a python with pulp and pandas (and pyyaml, click)
#   REFERENCE_2023    checkout of dfinity/decentralization at 212432e
#   REFERENCE_2024    ... at eb1a2d9
#   REFERENCE_2025    ... at 23c9e1a
# BENCH_REFERENCE=0 skips the reference even when they are set; BENCH_RUNS sets
# the timed runs per case (default and minimum 5). Extra arguments go to
# `cargo bench`, e.g. scripts/bench.sh --no-default-features --features files
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
results="$target/bench-results.md"

envs=()
for v in REFERENCE_PYTHON REFERENCE_2023 REFERENCE_2024 REFERENCE_2025 BENCH_REFERENCE BENCH_RUNS BENCH_ONLY BENCH_REFERENCE_COUNTRIES; do
  if [ -n "${!v:-}" ]; then envs+=("$v=${!v}"); fi
done
command="cargo bench --bench evaluate${*:+ $*} && cargo bench --bench plan${*:+ $*} && cargo bench --bench placement${*:+ $*}"
shown="${envs[*]:+${envs[*]} }$command"

plan_results="$target/bench-plan-results.md"
placement_results="$target/bench-placement-results.md"
rm -f "$results" "$plan_results" "$placement_results"
echo "running: $shown" >&2
cargo bench --bench evaluate "$@"
# Membership plans (minimize_node_swaps), with the reference's swap mode beside them.
cargo bench --bench plan "$@"
# The placement map, with the reference on a sample of its entries.
cargo bench --bench placement "$@"
for f in "$results" "$plan_results" "$placement_results"; do
  if [ ! -f "$f" ]; then
    echo "bench.sh: a bench did not write $f" >&2
    exit 1
  fi
done
notes="$(mktemp)"
if [ -f "$root/BENCHMARKS.md" ]; then
  sed -n '/^## Notes/,$p' "$root/BENCHMARKS.md" > "$notes"
fi

cpu="$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^model name[[:space:]]*:[[:space:]]*//' || true)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then commit="$commit (with uncommitted changes)"; fi
{
  echo "# Benchmarks"
  echo
  echo "- machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -sm)"
  echo "- rustc: $(rustc --version)"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- commit: $commit"
  echo "- command: \`scripts/bench.sh${*:+ $*}\`, which ran \`$shown\`"
  echo
  echo "Timings are wall clock on a shared machine and vary from run to run; the"
  echo "ObjectiveValues and work counters are deterministic."
  echo
  echo "The cases: five real snapshots the reference tool was run on, #1 (December 2023 rules, 1,283"
  echo "nodes and 70 planned, 40 subnets), #2 (#1 with one candidate node), #3 (November 2024 rules),"
  echo "#4 (the 2025 network of October 2025 under its production topology) and #5 (the same network"
  echo "under a topology of 83 subnets); membership plans S1 to S4 (the reference's four worked"
  echo "examples), S5 (the October 2025 network as it is) and S6 (that network grown by 2 ECDSA and 10"
  echo "Application subnets). The ObjectiveValues and costs are the reference tool's own."
  echo
  cat "$results"
  echo
  cat "$plan_results"
  echo
  echo "## Placement map and node values (\`cargo bench --bench placement\`)"
  echo
  cat "$placement_results"
  if [ -s "$notes" ]; then
    echo
    cat "$notes"
  fi
} > "$root/BENCHMARKS.md"
rm -f "$notes"
echo "wrote $root/BENCHMARKS.md" >&2
if grep -q MISMATCH "$results" "$plan_results" "$placement_results"; then
  echo "bench.sh: MISMATCH between the engine and the reference or its recorded values:" >&2
  grep -h MISMATCH "$results" "$plan_results" "$placement_results" >&2
  exit 2
fi
