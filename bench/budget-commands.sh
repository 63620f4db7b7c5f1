#!/usr/bin/env bash
# Checks the instruction counts of devenv's hot commands against the budgets
# in bench/budgets/commands.txt, with valgrind's callgrind: deterministic
# figures, so CI fails on a regression, naming the figure, without timing
# anything. The project is one tool, jq from the built-in aqua registry (a
# fixture GitHub on 127.0.0.1, so nothing leaves the machine), and five
# variables, locked, installed and allowed.
# Usage: bench/budget-commands.sh [--update] [DEVENV]   (default: `cargo xtask dist`)
# Needs: valgrind, python3, sha256sum; Linux x86-64.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
budgets=${repo}/bench/budgets/commands.txt
update=
if [ "${1:-}" = --update ]; then update=1; shift; fi
die() { echo "budget-commands: $*" >&2; exit 1; }
command -v valgrind >/dev/null 2>&1 || die "needs valgrind (apt-get install valgrind)"
if [ -n "${1:-}" ]; then
  D=$(realpath "$1")
else
  D=$(cd "${repo}" && cargo xtask dist) || die "cargo xtask dist failed"
fi
[ -x "${D}" ] || die "${D} is not an executable"

W=$(mktemp -d /tmp/devenv-budget.XXXXXX)
trap 'kill "${server:-}" 2>/dev/null || true; chmod -R u+w "${W}" 2>/dev/null || true; rm -rf "${W}"' EXIT
mkdir -p "${W}/proj" "${W}/home"
# A fixture GitHub on 127.0.0.1 serving jq's release (python's static
# server ignores the query string of the API's URL).
rel=${W}/srv/dl/jqlang/jq/jq-1.7.1
mkdir -p "${rel}" "${W}/srv/api/repos/jqlang/jq"
printf '#!/bin/sh\necho jq\n' >"${rel}/jq-linux-amd64"
(cd "${rel}" && sha256sum jq-linux-amd64 >sha256sum.txt)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:${port}
asset() { printf '{"name": "%s", "browser_download_url": "%s/dl/jqlang/jq/jq-1.7.1/%s", "digest": null, "size": 1, "id": 1, "url": "x", "state": "uploaded", "content_type": "application/octet-stream"}' "$1" "${base}" "$1"; }
printf '[{"tag_name": "jq-1.7.1", "name": "jq-1.7.1", "draft": false, "prerelease": false, "id": 1, "url": "x", "html_url": "x", "published_at": "2024-11-13T15:00:00Z", "created_at": "2024-11-13T15:00:00Z", "assets": [%s, %s]}]' \
  "$(asset jq-linux-amd64)" "$(asset sha256sum.txt)" >"${W}/srv/api/repos/jqlang/jq/releases"
python3 -m http.server --bind 127.0.0.1 --directory "${W}/srv" "${port}" >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do python3 -c "import urllib.request; urllib.request.urlopen('${base}/api/repos/jqlang/jq/releases')" 2>/dev/null && break; sleep 0.05; done
# jq comes from the built-in aqua registry: a regression that parses the
# catalog or the registry on these paths shows in the figures.
cat >"${W}/proj/devenv.toml" <<TOML
[tools]
jq = "1.7"

[env]
A1 = "one"
A2 = "two"
A3 = "three"
A4 = "four"
A5 = "five"

[settings]
platforms = ["linux-x86_64"]
TOML
# A clean, fixed environment: the counts depend on it.
run() { (cd "${W}/proj" && env -i PATH=/usr/bin:/bin HOME="${W}/home" DEVENV_HOME="${W}/home/devenv" \
  ${DEVENV_GITHUB_API:+DEVENV_GITHUB_API="${DEVENV_GITHUB_API}"} "$@"); }
DEVENV_GITHUB_API=${base}/api run "${D}" -q install >"${W}/install.log" 2>&1 \
  || { cat "${W}/install.log" >&2; die "could not install the test project"; }
run "${D}" -q allow >/dev/null 2>&1 || die "could not allow the test project"

# Instructions executed by `devenv ARGS…`. A command that execs another
# (exec) is counted up to the exec: callgrind dumps its figures when
# execvp is entered, and does not follow the new program.
count() {
  local out=${W}/callgrind.out
  rm -f "${out}"*
  run valgrind --tool=callgrind --dump-before=execvp --callgrind-out-file="${out}" "${D}" "$@" \
    >/dev/null 2>"${W}/valgrind.log" || { cat "${W}/valgrind.log" >&2; die "devenv $* failed under valgrind"; }
  # One figure per dump (before the exec, at the end), each file giving it
  # twice (`summary:` and `totals:`): the sum of the first of each file.
  awk '/^(summary|totals):/ && !seen[FILENAME]++ { n += $2 } END { print n + 0 }' "${out}"*
}

declare -A measured
measured[exec-true]=$(count exec -- true)
measured[hook-env-enter]=$(count hook-env --shell bash)
for name in "${!measured[@]}"; do
  [ "${measured[${name}]}" -gt 0 ] || die "callgrind counted nothing for ${name} (see ${W}/valgrind.log)"
done

if [ -n "${update}" ]; then
  tmp=${budgets}.tmp
  grep '^#' "${budgets}" >"${tmp}"
  for name in exec-true hook-env-enter; do
    echo "${name} $(( measured[${name}] * 11 / 10 ))" >>"${tmp}"
  done
  mv "${tmp}" "${budgets}"
  echo "budget-commands: wrote ${budgets}"
fi

status=0
for name in exec-true hook-env-enter; do
  budget=$(awk -v n="${name}" '$1 == n { print $2 }' "${budgets}")
  [ -n "${budget}" ] || die "no budget for ${name} in ${budgets}"
  got=${measured[${name}]}
  pct=$(( got * 100 / budget ))
  if [ "${got}" -gt "${budget}" ]; then
    echo "budget-commands: FAIL ${name}: ${got} instructions, over its budget of ${budget} (${pct}%) in bench/budgets/commands.txt" >&2
    status=1
  else
    echo "budget-commands: ok   ${name}: ${got} instructions, ${pct}% of its budget of ${budget}"
  fi
done
exit "${status}"
