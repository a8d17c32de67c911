#!/usr/bin/env bash
# Benchmark of the hook path (issue #2's target): warm `git govern check --staged` with
# 10 staged files in a 100,000-file repository, against `git diff --cached --name-only`.
# Prints median wall times (ms) of N runs and the ratio. Not a test: it asserts nothing.
#
#   bash bench/hook_path.sh [FILES=100000] [RUNS=15]
set -euo pipefail
FILES=${1:-100000}
RUNS=${2:-15}
here=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
bin="$here/target/release/git-govern"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
mkdir -p "$repo"
cd "$repo"
git init -q -b main
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

# Deterministic synthetic tree: 400 directories; every 50th file a Dockerfile, every 50th
# (offset 25) a Deployment manifest, the rest source files no rule reads.
python3 - "$FILES" <<'PY'
import os, sys
n = int(sys.argv[1])
for i in range(n):
    d = f"svc{i % 400:03d}/pkg{(i // 400) % 25:02d}"
    os.makedirs(d, exist_ok=True)
    if i % 50 == 0:
        open(f"{d}/Dockerfile", "w").write(f"FROM python:3.12-slim\nRUN echo {i}\nUSER 10001\nHEALTHCHECK CMD true\n")
    elif i % 50 == 25:
        open(f"{d}/deploy-{i}.yaml", "w").write(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}}}\nspec:\n  template:\n    spec:\n"
            f"      containers:\n        - name: c\n          image: app:{i}\n")
    else:
        open(f"{d}/f{i}.py", "w").write(f"x = {i}\n")
os.makedirs(".meta", exist_ok=True)
open(".meta/repo.yaml", "w").write("name: bench\ntype: library\nlanguage: python\ntier: 3\nowner: \"@bench\"\nlifecycle: development\n")
open("README.md", "w").write("bench\n")
PY
git add -A
git commit -q -m init
# Stage 10 changed files: 5 Dockerfiles and 5 manifests, spread over directories.
for k in 0 1 2 3 4; do
  echo "# change" >> "svc$(printf %03d $((k * 50)))/pkg00/Dockerfile"
  m=$(ls svc$(printf %03d $((k * 50 + 25)))/pkg00/deploy-*.yaml | head -1)
  echo "# change" >> "$m"
done
git add -A
echo "repository: $(git ls-files | wc -l) files, $(git diff --cached --name-only | wc -l) staged"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
timeit() { # prints the median wall time in ms of RUNS runs of "$@"
  for _ in $(seq "$RUNS"); do
    s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    echo $(( (e - s) / 1000 ))
  done | median | awk '{printf "%.2f", $1 / 1000}'
}
cache="$work/cache.redb"
cold_s=$(date +%s%N); "$bin" check --staged --cache "$cache" >/dev/null || true; cold_e=$(date +%s%N)
floor=$(timeit git diff --cached --name-only)
warm=$(timeit "$bin" check --staged --cache "$cache")
nocache=$(timeit "$bin" check --staged --no-cache)
nopolicy=$(timeit "$bin" check --staged --cache "$cache" --no-builtin-policies)
status=$(timeit git status --porcelain)
all_warm=$(timeit "$bin" check --all --cache "$cache")
printf '%-48s %10s\n' "measurement (median of $RUNS, ms)" "time"
printf '%-48s %10s\n' "git diff --cached --name-only" "$floor"
printf '%-48s %10.2f\n' "git govern check --staged (cold cache, 1 run)" "$(( (cold_e - cold_s) / 1000 ))e-3"
printf '%-48s %10s\n' "git govern check --staged (warm cache)" "$warm"
printf '%-48s %10s\n' "git govern check --staged --no-cache" "$nocache"
printf '%-48s %10s\n' "  ... warm, --no-builtin-policies" "$nopolicy"
printf '%-48s %10s\n' "git status --porcelain" "$status"
printf '%-48s %10s\n' "git govern check --all (warm cache)" "$all_warm"
awk -v w="$warm" -v f="$floor" 'BEGIN {printf "ratio warm --staged / git diff --cached: %.2fx (target <= 2x)\n", w / f}'
awk -v w="$all_warm" -v f="$status" 'BEGIN {printf "ratio warm --all / git status:          %.2fx\n", w / f}'
