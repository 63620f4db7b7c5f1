#!/usr/bin/env bash
# devenv against mise (and direnv where it has the figure, and `curl | tar
# xz` for installing), in one run, as ratios, with the machine's load:
#   install   a cold install of a 100 MiB .tar.gz (incompressible, like a
#             toolchain) from a loopback server: devenv, mise's http backend,
#             curl | tar xz
#   exec      `devenv exec -- true`, `mise x -- true`, `direnv exec DIR true`
#             in a one-tool project (the tool installed)
#   entering  `devenv hook-env`, `mise hook-env`, `direnv export`, bash
#   jq        entering and exec in a project whose one tool, jq, comes from
#             the built-in aqua registry (served by a loopback fixture GitHub)
# With OLD_DEVENV, that binary's rows are measured in the same run too
# (before/after). Medians from hyperfine.
# Usage: bench/vs-peers.sh [DEVENV [OLD_DEVENV]]   (RUNS=5 installs, RUNS_CMD=200)
# Needs: hyperfine, curl, python3, npm (mise comes from the npm registry), direnv.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "vs-peers.sh: $*" >&2; exit 1; }
for t in hyperfine curl python3 npm direnv; do command -v "$t" >/dev/null || die "needs $t on PATH"; done
if [ -n "${1:-}" ]; then D=$(realpath "$1"); else D=$(cd "${repo}" && cargo xtask dist); fi
OLD=${2:+$(realpath "$2")}
RUNS=${RUNS:-5}
RUNS_CMD=${RUNS_CMD:-200}

W=$(mktemp -d /tmp/devenv-peers.XXXXXX)
trap 'kill "${server:-}" 2>/dev/null || true; chmod -R u+w "${W}" 2>/dev/null || true; rm -rf "${W}"' EXIT
(cd "${W}" && npm pack -q @jdxcode/mise-linux-x64 >/dev/null 2>&1 && tar xzf jdxcode-mise-linux-x64-*.tgz) || die "could not fetch mise"
M=${W}/package/bin/mise
export HOME=${W}/home MISE_DATA_DIR=${W}/mise/data MISE_CONFIG_DIR=${W}/mise/config \
  MISE_CACHE_DIR=${W}/mise/cache MISE_STATE_DIR=${W}/mise/state MISE_YES=1 \
  MISE_TRUSTED_CONFIG_PATHS=${W} DEVENV_HOME=${W}/devenv
mkdir -p "${HOME}" "${W}/srv/big-1.0/bin" "${W}/proj" "${W}/jq" "${W}/out"

# The 100 MiB archive, and a fixture GitHub release of jq.
head -c $((100 * 1024 * 1024)) /dev/urandom >"${W}/srv/big-1.0/data.bin"
printf '#!/bin/sh\necho big\n' >"${W}/srv/big-1.0/bin/big"; chmod +x "${W}/srv/big-1.0/bin/big"
tar -C "${W}/srv" -czf "${W}/srv/big.tar.gz" big-1.0 && rm -rf "${W}/srv/big-1.0"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:${port}
mkdir -p "${W}/srv/dl/jqlang/jq/jq-1.7.1" "${W}/srv/api/repos/jqlang/jq"
printf '#!/bin/sh\necho jq\n' >"${W}/srv/dl/jqlang/jq/jq-1.7.1/jq-linux-amd64"
(cd "${W}/srv/dl/jqlang/jq/jq-1.7.1" && sha256sum jq-linux-amd64 >sha256sum.txt)
asset() { printf '{"name": "%s", "browser_download_url": "%s/dl/jqlang/jq/jq-1.7.1/%s", "digest": null, "size": 1, "id": 1, "url": "x", "state": "uploaded", "content_type": "application/octet-stream"}' "$1" "${base}" "$1"; }
printf '[{"tag_name": "jq-1.7.1", "name": "jq-1.7.1", "draft": false, "prerelease": false, "id": 1, "url": "x", "html_url": "x", "published_at": "2024-11-13T15:00:00Z", "created_at": "2024-11-13T15:00:00Z", "assets": [%s, %s]}]' \
  "$(asset jq-linux-amd64)" "$(asset sha256sum.txt)" >"${W}/srv/api/repos/jqlang/jq/releases"
python3 -m http.server --bind 127.0.0.1 --directory "${W}/srv" "${port}" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf "${base}/big.tar.gz" -o /dev/null -r 0-0 && break; sleep 0.1; done
url=${base}/big.tar.gz
sum=$(sha256sum "${W}/srv/big.tar.gz" | cut -d' ' -f1)

printf '[tools]\nbig = { version = "1.0", url = "%s", sha256 = "%s" }\n[settings]\nplatforms = ["linux-x86_64"]\n' "${url}" "${sum}" >"${W}/proj/devenv.toml"
printf '[tools]\n"http:big" = { version = "1.0", url = "%s", bin_path = "bin" }\n' "${url}" >"${W}/proj/mise.toml"
printf 'PATH_add bin\n' >"${W}/proj/.envrc"
printf '[tools]\njq = "1.7"\n[settings]\nplatforms = ["linux-x86_64"]\n' >"${W}/jq/devenv.toml"
export DEVENV_GITHUB_API=${base}/api
if ! { "${D}" -q -C "${W}/proj" lock && "${D}" -q -C "${W}/jq" install && "${D}" -q -C "${W}/jq" allow; }; then
  die "could not set up the devenv projects"
fi
"${M}" trust "${W}/proj" >/dev/null 2>&1 || true
direnv allow "${W}/proj" >/dev/null 2>&1

json() { python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$1"; }
declare -A T
# hyperfine one command; records its median (seconds) as T[name].
h() { local name=$1; shift
  hyperfine -N --style none --export-json "${W}/h.json" "$@" >/dev/null 2>&1 || die "${name} failed under hyperfine"
  T[${name}]=$(json "${W}/h.json")
  printf '  %-44s %9.2f ms\n' "${name}" "$(python3 -c "print(${T[${name}]}*1e3)")"; }
ratio() { python3 -c "print(f'  {\"$1 / $2\":56} {${T[$1]}/${T[$2]}:.2f}x')"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "machine: $(nproc) cores, load average $(load) at the start; mise $("${M}" --version | cut -d' ' -f1); $(direnv version | sed 's/^/direnv /')"
echo "install: a cold install of ${url##*/} ($(( $(stat -c %s "${W}/srv/big.tar.gz") / 1048576 )) MiB) from loopback, ${RUNS} runs"
wipe="bash -c 'chmod -R u+w ${W}/devenv/store ${W}/out 2>/dev/null; rm -rf ${W}/devenv/store ${W}/out ${MISE_DATA_DIR} ${MISE_CACHE_DIR}; mkdir -p ${W}/out'"
# The archive just written must not be flushed during the first rows.
sync
installs=(-n "devenv install" "${D} -q -C ${W}/proj install")
[ -n "${OLD}" ] && installs+=(-n "devenv install (old)" "${OLD} -q -C ${W}/proj install")
installs+=(-n "mise install (http backend)" "${M} -q -C ${W}/proj install")
installs+=(-n "curl | tar xz" "bash -c 'curl -sSf ${url} | tar -C ${W}/out -xz'")
hyperfine -N --style none --runs "${RUNS}" --warmup 1 --prepare "${wipe}" --export-json "${W}/i.json" "${installs[@]}" >/dev/null 2>&1 \
  || die "an install failed under hyperfine"
while IFS=$'\t' read -r name median; do
  T[${name}]=${median}
  printf '  %-44s %9.2f ms\n' "${name}" "$(python3 -c "print(${median}*1e3)")"
done < <(python3 -c "import json,sys;[print(r['command'], r['median'], sep='\t') for r in json.load(open(sys.argv[1]))['results']]" "${W}/i.json")

"${D}" -q -C "${W}/proj" install && "${M}" -q -C "${W}/proj" install >/dev/null 2>&1
echo "commands: the one-tool project, everything installed, ${RUNS_CMD} runs"
cd "${W}/proj"
h "process floor (/bin/true)" --runs "${RUNS_CMD}" --warmup 20 /bin/true
h "devenv exec -- true" --runs "${RUNS_CMD}" --warmup 20 "${D} exec -- /bin/true"
[ -n "${OLD}" ] && h "devenv exec -- true (old)" --runs "${RUNS_CMD}" --warmup 20 "${OLD} exec -- /bin/true"
h "mise x -- true" --runs "${RUNS_CMD}" --warmup 20 "${M} x -- /bin/true"
h "direnv exec DIR true" --runs "${RUNS_CMD}" --warmup 20 "direnv exec ${W}/proj /bin/true"
"${D}" -q allow
h "devenv hook-env (entering)" --runs "${RUNS_CMD}" --warmup 20 "${D} hook-env --shell bash"
[ -n "${OLD}" ] && h "devenv hook-env (entering, old)" --runs "${RUNS_CMD}" --warmup 20 "${OLD} hook-env --shell bash"
h "mise hook-env (entering)" --runs "${RUNS_CMD}" --warmup 20 "${M} hook-env -s bash"
h "direnv export (entering)" --runs "${RUNS_CMD}" --warmup 20 "direnv export bash"
echo "jq from the built-in aqua registry: one-tool project"
cd "${W}/jq"
h "devenv exec -- true (jq)" --runs "${RUNS_CMD}" --warmup 20 "${D} exec -- /bin/true"
[ -n "${OLD}" ] && h "devenv exec -- true (jq, old)" --runs "${RUNS_CMD}" --warmup 20 "${OLD} exec -- /bin/true"
h "devenv hook-env (entering, jq)" --runs "${RUNS_CMD}" --warmup 20 "${D} hook-env --shell bash"
[ -n "${OLD}" ] && h "devenv hook-env (entering, jq, old)" --runs "${RUNS_CMD}" --warmup 20 "${OLD} hook-env --shell bash"

echo "ratios (load average $(load) at the end):"
ratio "devenv install" "mise install (http backend)"
ratio "devenv install" "curl | tar xz"
[ -n "${OLD}" ] && ratio "devenv install" "devenv install (old)"
ratio "devenv exec -- true" "mise x -- true"
ratio "devenv exec -- true" "direnv exec DIR true"
ratio "devenv hook-env (entering)" "mise hook-env (entering)"
ratio "devenv hook-env (entering)" "direnv export (entering)"
if [ -n "${OLD}" ]; then
  ratio "devenv exec -- true" "devenv exec -- true (old)"
  ratio "devenv hook-env (entering)" "devenv hook-env (entering, old)"
  ratio "devenv exec -- true (jq)" "devenv exec -- true (jq, old)"
  ratio "devenv hook-env (entering, jq)" "devenv hook-env (entering, jq, old)"
fi
