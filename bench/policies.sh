#!/usr/bin/env bash
# Benchmark of the Rego policies (issue #5's target: loading and compiling the built-in
# policies costs at most 5 ms per run). In a one-file repository, where nothing else costs,
# it times `git govern check --staged --no-cache` with and without the built-in policies
# and prints the difference per run; with valgrind it also prints instruction counts, which
# do not depend on what else the machine is doing. Not a test: it asserts nothing.
#
#   bash bench/policies.sh [RUNS=200]
set -euo pipefail
RUNS=${1:-200}
here=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
bin="$here/target/release/git-govern"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
git init -q -b main
printf 'name: bench\ntype: service\nlanguage: go\ntier: 1\nowner: "@bench"\nlifecycle: development\non_call: bench\n' > repo.yaml
mkdir .meta && mv repo.yaml .meta/
git add -A
per_run() { # mean wall time in ms of RUNS runs of "$@"
  local s e
  s=$(date +%s%N)
  for _ in $(seq "$RUNS"); do "$@" >/dev/null 2>&1 || true; done
  e=$(date +%s%N)
  awk -v d=$(( e - s )) -v n="$RUNS" 'BEGIN {printf "%.2f", d / n / 1e6}'
}
with=$(per_run "$bin" check --staged --no-cache)
without=$(per_run "$bin" check --staged --no-cache --no-builtin-policies)
printf '%-52s %8s\n' "measurement (mean of $RUNS runs, ms)" "time"
printf '%-52s %8s\n' "check --staged --no-cache, built-in policies" "$with"
printf '%-52s %8s\n' "check --staged --no-cache --no-builtin-policies" "$without"
awk -v a="$with" -v b="$without" 'BEGIN {printf "%-52s %8.2f (target <= 5)\n", "built-in policies: load, compile, evaluate", a - b}'
if command -v valgrind >/dev/null; then
  count() { valgrind --tool=callgrind --callgrind-out-file="$work/cg" "$@" >/dev/null 2>&1 || true
            callgrind_annotate "$work/cg" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'; }
  a=$(count "$bin" check --staged --no-cache)
  b=$(count "$bin" check --staged --no-cache --no-builtin-policies)
  awk -v a="$a" -v b="$b" 'BEGIN {printf "instructions: %d with, %d without, %d for the policies\n", a, b, a - b}'
fi
