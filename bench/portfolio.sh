#!/usr/bin/env bash
# Benchmark of the portfolio path (issue #4's target): `git govern check --portfolio` on a
# synthetic portfolio of REPOS repositories × 50 files in 4 organizations (every fourth
# repository a plain folder, the rest git repositories), cold (no cache file), warm
# (nothing changed) and warm after changing 10 files in 10 repositories; then catalog and
# checkpoint. Prints median wall times (ms) of RUNS runs and peak memory (MiB, from
# /usr/bin/time). Not a test: it asserts nothing.
#
#   bash bench/portfolio.sh [REPOS=1000] [RUNS=5]
set -euo pipefail
REPOS=${1:-1000}
RUNS=${2:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
bin="$here/target/release/git-govern"
work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
root="$work/portfolio"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
export SOURCE_DATE_EPOCH=1795478400

# Deterministic repositories: metadata, README, CODEOWNERS, an ADR, a Dockerfile, two
# manifests and 43 source files each (50 files).
python3 - "$root" "$REPOS" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = f"{root}/organizations/org{i % 4}/repo{i:04d}"
    def w(rel, text):
        p = f"{d}/{rel}"
        os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, "w").write(text)
    w(".meta/repo.yaml", f"name: repo{i:04d}\ntype: library\nlanguage: go\ntier: {1 + i % 4}\nowner: \"@org{i % 4}/team\"\nlifecycle: production\n")
    w("README.md", f"# repo {i}\n")
    w(".github/CODEOWNERS", f"* @org{i % 4}/team\n")
    w("docs/adr/0001-record.md", "# 1. Record\n\n## Status\n\nAccepted\n\n## Context\n\nc\n\n## Decision\n\nd\n\n## Consequences\n\ne\n")
    w("Dockerfile", f"FROM golang:1.22-alpine\nRUN echo {i}\nUSER 10001\nHEALTHCHECK CMD true\n")
    for k in range(2):
        w(f"deploy/app-{k}.yaml", f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: r{i}-{k}}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: app:{i}.{k}\n")
    for k in range(43):
        w(f"src/pkg{k % 5}/f{k}.go", f"package pkg\n\nconst X{k} = {i * 100 + k}\n")
PY
cd "$root/organizations"
made=0
for d in */repo*; do
  n=${d##*repo}; n=$((10#$n))
  if (( n % 4 != 3 )); then
    git -C "$d" init -q -b main && git -C "$d" add -A && git -C "$d" commit -q -m init
    made=$((made + 1))
  fi
done
cd "$root"
echo "portfolio: $REPOS repositories × 50 files ($made git repositories, $((REPOS - made)) folders)"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# time_ms CMD...: wall time of one run in ms
time_ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
peak_mib() { { /usr/bin/time -f %M "$@" 2>&1 >/dev/null || true; } | tail -1 | awk '{printf "%.1f", $1/1024}'; }
row() { printf '| %-52s | %8s | %8s |\n' "$1" "$2" "$3"; }

printf '| %-52s | %8s | %8s |\n|%s|%s|%s|\n' "measurement" "ms" "peak MiB" "------------------------------------------------------" "---------:" "---------:"
cold=()
for _ in $(seq "$RUNS"); do rm -rf .metaHub/cache; cold+=("$(time_ms "$bin" check --portfolio)"); done
rm -rf .metaHub/cache; mem=$(peak_mib "$bin" check --portfolio)
row "check --portfolio, cold (no cache file)" "$(printf '%s\n' "${cold[@]}" | median)" "$mem"
warm=(); for _ in $(seq "$RUNS"); do warm+=("$(time_ms "$bin" check --portfolio)"); done
row "check --portfolio, warm, nothing changed" "$(printf '%s\n' "${warm[@]}" | median)" "$(peak_mib "$bin" check --portfolio)"
changed=()
for r in $(seq "$RUNS"); do
  for k in $(seq 0 9); do
    d=$(ls -d organizations/org*/repo* | sed -n "$((k * 97 % REPOS + 1))p")
    echo "const Y$r = $k" >> "$d/src/pkg0/f0.go"
    printf 'FROM golang:1.22-alpine\nRUN echo %s %s\nUSER 10001\nHEALTHCHECK CMD true\n' "$r" "$k" > "$d/Dockerfile"
  done
  changed+=("$(time_ms "$bin" check --portfolio)")
done
row "check --portfolio, warm after 10 repositories changed" "$(printf '%s\n' "${changed[@]}" | median)" "-"
row "catalog (warm cache)" "$(time_ms "$bin" catalog)" "$(peak_mib "$bin" catalog)"
row "checkpoint (warm cache, file hashes)" "$(time_ms "$bin" checkpoint)" "$(peak_mib "$bin" checkpoint)"
