#!/usr/bin/env bash
# `devenv run` of a trivial task beside `mise run` of the same task, in one
# run of hyperfine per row (medians; the goal is devenv at most 0.5x mise).
#
# Rows:
#   1. `true`: devenv runs it directly (no shell syntax); mise through its shell.
#   2. `true && true`: shell syntax, so both go through `sh -c`.
#   3. a task with one dependency (`dep` then `main`, both `true`).
# The project pins no tools, so what is timed is each runner's own work:
# reading its config, deciding what to run, starting the command.
#
# mise comes from the npm registry (@jdxcode/mise-linux-x64) into a temp
# dir, with its data, config, cache and state directories inside it;
# devenv is built with --release. Linux x86-64 only (mise's linux-x64 build).
# Needs: cargo, npm, hyperfine, python3.
# Usage: bench/run.sh   (RUNS=200 by default)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-200}

die() { echo "run.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "needs \`$1\` on PATH ($2)"; }
need npm "mise comes from the npm registry"
need hyperfine "it does the timing; apt-get install hyperfine"
need python3 "to read hyperfine's JSON"
need cargo "to build devenv"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "runs on Linux x86-64 only, not $(uname -s)-$(uname -m)"

D=$(cd "${repo}" && cargo xtask dist)

W=$(mktemp -d /tmp/devenv-bench-run.XXXXXX)
trap 'rm -rf "${W}"' EXIT
(cd "${W}" && npm pack -q @jdxcode/mise-linux-x64 >"${W}/npm-pack.log" 2>&1 && tar xzf jdxcode-mise-linux-x64-*.tgz) \
  || die "could not get mise from the npm registry (see ${W}/npm-pack.log)"
M=${W}/package/bin/mise

export HOME=${W}/home DEVENV_HOME=${W}/devenv MISE_YES=1 \
  MISE_DATA_DIR=${W}/mise/data MISE_CONFIG_DIR=${W}/mise/config \
  MISE_CACHE_DIR=${W}/mise/cache MISE_STATE_DIR=${W}/mise/state
mkdir -p "${HOME}" "${W}/proj"
cd "${W}/proj"
cat >devenv.toml <<'EOF'
[tasks]
plain = "true"
shelled = "true && true"
dep = "true"
main = { run = "true", depends = ["dep"] }
EOF
cat >mise.toml <<'EOF'
[tasks.plain]
run = "true"
[tasks.shelled]
run = "true && true"
[tasks.dep]
run = "true"
[tasks.main]
run = "true"
depends = ["dep"]
EOF
"${M}" trust . >/dev/null 2>&1
# Both must succeed before anything is timed (devenv writes its empty lock).
for t in plain shelled main; do
  "${D}" run "${t}" >/dev/null 2>&1 || die "devenv run ${t} failed"
  "${M}" run "${t}" >/dev/null 2>&1 || die "mise run ${t} failed"
done

median() { python3 -c "import json,sys;r=json.load(open(sys.argv[1]))['results'];print(' '.join(str(x['median']) for x in r))" "$1"; }
echo "machine: $(nproc) cores; $("${D}" --version); mise $("${M}" --version | cut -d' ' -f1); ${RUNS} runs per command"
printf '%-34s %12s %12s %8s\n' "task" "devenv" "mise" "ratio"
for t in plain shelled main; do
  hyperfine -N --warmup 10 --runs "${RUNS}" --style none --export-json "${W}/h.json" \
    "${D} -q run ${t}" "${M} -q run ${t}" >/dev/null 2>&1
  read -r dv mv <<<"$(median "${W}/h.json")"
  case ${t} in
    plain) label="true (devenv: direct)" ;;
    shelled) label="true && true (both: sh -c)" ;;
    main) label="main after its dependency" ;;
  esac
  python3 -c "import sys;d,m=float(sys.argv[2]),float(sys.argv[3]);print(f'{sys.argv[1]:34} {d*1e3:9.2f} ms {m*1e3:9.2f} ms {d/m:7.2f}x')" "${label}" "${dv}" "${mv}"
done
