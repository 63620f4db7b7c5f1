#!/usr/bin/env bash
# Cold install of an npm application with its dependency tree: devenv
# (`npm:eslint`, every package pinned in devenv.lock, downloaded and
# verified by devenv, eight at a time) beside `mise install npm:eslint@V`
# (mise's npm backend, which runs `npm install -g`), same version, each
# into an empty store; medians from hyperfine.
#
# Only the install is timed: devenv's lock is made once before (npm
# resolves the tree then), as a committed lock would be; mise resolves
# while installing, as it always does. Both sides install once untimed
# first, so caches on the network path are warm; every timed run starts
# from an empty local state (DEVENV_HOME; mise's data, cache and state
# dirs with npm's cache inside).
#
# Then `pypi:black` (a Python application with its tree, run by the
# machine's python3: `python = { source = "system" }`) beside
# `mise install pipx:black@V` (mise's pipx backend, through uv, which the
# script takes from uv's wheel on PyPI and puts on mise's PATH).
#
# Installs mise from the npm registry (@jdxcode/mise-linux-x64) into a
# temp dir and builds devenv with `cargo xtask dist`. Linux x86-64 only.
# Needs: cargo, npm, node, hyperfine, python3.
# Usage: bench/apps.sh   (RUNS=3, ESLINT=9.15.0, BLACK=24.10.0)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
ESLINT=${ESLINT:-9.15.0}
BLACK=${BLACK:-24.10.0}

die() { echo "apps.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "needs \`$1\` on PATH ($2)"; }
need npm "mise's npm backend runs it, mise comes from the npm registry, and devenv's lock asks npm to resolve"
need node "eslint runs with it"
need hyperfine "it does the timing; apt-get install hyperfine"
need python3 "to read hyperfine's JSON"
need cargo "to build devenv"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "runs on Linux x86-64 only"

D=$(cd "${repo}" && cargo xtask dist)

W=$(mktemp -d /tmp/devenv-apps.XXXXXX)
trap 'chmod -R u+w "${W}" 2>/dev/null || true; rm -rf "${W}"' EXIT
mkdir -p "${W}/home" "${W}/proj/devenv" "${W}/proj/mise"
(cd "${W}" && npm pack -q @jdxcode/mise-linux-x64 >"${W}/npm-pack.log" 2>&1 && tar xzf jdxcode-mise-linux-x64-*.tgz) \
  || { cat "${W}/npm-pack.log" >&2; die "could not fetch @jdxcode/mise-linux-x64"; }
M=${W}/package/bin/mise

unset DEVENV_CACHE_DIR DEVENV_OFFLINE
export HOME=${W}/home DEVENV_HOME=${W}/devenv \
  MISE_DATA_DIR=${W}/mise/data MISE_CACHE_DIR=${W}/mise/cache MISE_STATE_DIR=${W}/mise/state \
  MISE_CONFIG_DIR=${W}/mise/config MISE_YES=1 MISE_TRUSTED_CONFIG_PATHS=${W}/proj \
  MISE_NPM_PACKAGE_MANAGER=npm npm_config_cache=${W}/mise/cache/npm

printf '[tools]\n"npm:eslint" = "%s"\n\n[settings]\nplatforms = ["linux-x86_64"]\n' "${ESLINT}" \
  >"${W}/proj/devenv/devenv.toml"
printf '[tools]\n"npm:eslint" = "%s"\n' "${ESLINT}" >"${W}/proj/mise/mise.toml"
"${D}" -q -C "${W}/proj/devenv" lock
members=$(grep -c '^\[\[tools."npm:eslint".artifacts.linux-x86_64.members\]\]' "${W}/proj/devenv/devenv.lock")

cat >"${W}/wipe" <<'EOF'
#!/bin/sh
for d in "$@"; do chmod -R u+w "$d" 2>/dev/null; rm -rf "$d"; done
EOF
chmod +x "${W}/wipe"

devenv_cmd="${D} -q -C ${W}/proj/devenv install"
mise_cmd="sh -c 'cd ${W}/proj/mise && ${M} install -q'"
# Untimed first installs (and a check that each side's eslint runs).
sh -c "${devenv_cmd}" && "${D}" -C "${W}/proj/devenv" exec -- eslint --version >/dev/null
sh -c "${mise_cmd}" && (cd "${W}/proj/mise" && "${M}" exec -- eslint --version >/dev/null)

hyperfine -N --runs "${RUNS}" --style none --export-json "${W}/h.json" \
  --prepare "${W}/wipe ${W}/devenv" -n devenv "${devenv_cmd}" \
  --prepare "${W}/wipe ${W}/mise/data ${W}/mise/cache ${W}/mise/state" -n mise "${mise_cmd}" \
  >/dev/null
python3 - "${W}/h.json" "${ESLINT}" "${members}" "$("${M}" --version | cut -d' ' -f1)" <<'EOF'
import json, sys
results = {r["command"]: r["median"] for r in json.load(open(sys.argv[1]))["results"]}
d, m = results["devenv"], results["mise"]
print(f"eslint {sys.argv[2]} ({sys.argv[3]} packages), cold install, median of the runs; mise {sys.argv[4]}")
print(f"  devenv install       {d:7.2f} s")
print(f"  mise install (npm)   {m:7.2f} s")
print(f"  ratio devenv/mise    {d / m:7.2f}")
EOF

# --- black: a Python application with its tree -------------------------
PY=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
mkdir -p "${W}/proj/devenv-py" "${W}/proj/mise-py" "${W}/uv"
python3 -m pip download -q --no-deps --only-binary :all: 'uv==0.13.9' -d "${W}/uv" >/dev/null \
  || die "could not fetch uv's wheel for mise's pipx backend"
(cd "${W}/uv" && python3 -m zipfile -e uv-*.whl x >/dev/null && chmod +x x/uv-*.data/scripts/*)
UVBIN=$(echo "${W}"/uv/x/uv-*.data/scripts)
printf '[tools]\npython = { version = "%s", source = "system" }\n"pypi:black" = "%s"\n\n[settings]\nplatforms = ["linux-x86_64"]\n' \
  "${PY}" "${BLACK}" >"${W}/proj/devenv-py/devenv.toml"
printf '[tools]\n"pipx:black" = "%s"\n[settings]\npipx.uvx = true\n' "${BLACK}" >"${W}/proj/mise-py/mise.toml"
"${D}" -q -C "${W}/proj/devenv-py" lock
wheels=$(grep -c '^\[\[tools."pypi:black".artifacts.linux-x86_64.members\]\]' "${W}/proj/devenv-py/devenv.lock")
devenv_py="${D} -q -C ${W}/proj/devenv-py install"
mise_py="sh -c 'cd ${W}/proj/mise-py && PATH=${UVBIN}:\$PATH ${M} install -q'"
sh -c "${devenv_py}" && "${D}" -C "${W}/proj/devenv-py" exec -- black --version >/dev/null
sh -c "${mise_py}" && (cd "${W}/proj/mise-py" && PATH=${UVBIN}:$PATH "${M}" exec -- black --version >/dev/null)
hyperfine -N --runs "${RUNS}" --style none --export-json "${W}/p.json" \
  --prepare "${W}/wipe ${W}/devenv" -n devenv "${devenv_py}" \
  --prepare "${W}/wipe ${W}/mise/data ${W}/mise/cache ${W}/mise/state" -n mise "${mise_py}" \
  >/dev/null
python3 - "${W}/p.json" "${BLACK}" "${wheels}" <<'EOF'
import json, sys
results = {r["command"]: r["median"] for r in json.load(open(sys.argv[1]))["results"]}
d, m = results["devenv"], results["mise"]
print(f"black {sys.argv[2]} ({sys.argv[3]} wheels), cold install, median of the runs")
print(f"  devenv install       {d:7.2f} s")
print(f"  mise install (pipx)  {m:7.2f} s")
print(f"  ratio devenv/mise    {d / m:7.2f}")
EOF
