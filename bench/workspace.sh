#!/usr/bin/env bash
# Monorepo workspaces at scale (issue 26), in one run: a workspace of
# MEMBERS members (default 200) whose root pins TOOLS tools (default 30;
# every 10th member overrides one tool's version), beside a single project
# with the same tools, and beside mise's merged configs (a root mise.toml
# and one per member, the same variables, one PATH entry per tool: mise
# installs no tool here, so its figures are a floor).
# Measured with hyperfine (medians): `devenv lock` with nothing changed;
# `hook-env` entering a member from outside; moving from one member to the
# next (the shell's state from the first, run in the second) — the two
# things the prompt pays when the directory's project changes (a steady
# prompt runs no process at all, see bench/prompt.sh).
# Tools are local tar.gz files (file:// URLs), so nothing is downloaded.
# Usage: bench/workspace.sh   (MEMBERS=200 TOOLS=30 RUNS=50; DEVENV=path)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MEMBERS=${MEMBERS:-200}
TOOLS=${TOOLS:-30}
D=${DEVENV:-$(cd "${repo}" && cargo xtask dist)}
W=$(mktemp -d /tmp/devenv-workspace.XXXXXX)
trap 'rm -rf "${W}"' EXIT
if [[ -z ${MISE-} ]]; then
  (cd "${W}" && npm pack -q @jdxcode/mise-linux-x64 >/dev/null 2>&1 && tar xzf jdxcode-mise-linux-x64-*.tgz)
  MISE=${W}/package/bin/mise
fi
export HOME=${W}/home DEVENV_HOME=${W}/devenv MISE_DATA_DIR=${W}/mise/data \
  MISE_CONFIG_DIR=${W}/mise/config MISE_CACHE_DIR=${W}/mise/cache MISE_STATE_DIR=${W}/mise/state MISE_YES=1
mkdir -p "${HOME}" "${W}/t" "${W}/outside"

# The tools: tN at versions 1 and 2, each a tar.gz with bin/tN.
for ((i = 1; i <= TOOLS; i++)); do
  for v in 1 2; do
    mkdir -p "${W}/src/t${i}-${v}/bin"
    printf '#!/bin/sh\necho t%s %s\n' "${i}" "${v}" >"${W}/src/t${i}-${v}/bin/t${i}"
    chmod +x "${W}/src/t${i}-${v}/bin/t${i}"
    tar czf "${W}/t/t${i}-${v}.tar.gz" -C "${W}/src" "t${i}-${v}"
  done
done
tools=''
mise_paths=''
for ((i = 1; i <= TOOLS; i++)); do
  tools+="t${i} = { version = \"1\", url = \"file://${W}/t/t${i}-{version}.tar.gz\" }"$'\n'
  mkdir -p "${W}/mise-ws/bin${i}"
  mise_paths+="${mise_paths:+, }\"{{config_root}}/bin${i}\""
done

# The workspace, the single project, and mise's merged configs.
mkdir -p "${W}/ws" "${W}/single"
printf '[workspace]\nmembers = ["services/*"]\n\n[tools]\n%s\n[env]\nSHARED = "root"\n' "${tools}" >"${W}/ws/devenv.toml"
printf '[tools]\n%s\n[env]\nSHARED = "root"\nMEMBER = "single"\n' "${tools}" >"${W}/single/devenv.toml"
printf '[env]\nSHARED = "root"\n_.path = [%s]\n' "${mise_paths}" >"${W}/mise-ws/mise.toml"
for ((m = 1; m <= MEMBERS; m++)); do
  name=$(printf 'm%03d' "${m}")
  dir=${W}/ws/services/${name}
  mkdir -p "${dir}" "${W}/mise-ws/services/${name}"
  {
    printf '[env]\nMEMBER = "%s"\n' "${name}"
    if ((m % 10 == 0)); then printf '\n[tools]\nt%s = "2"\n' "$(((m / 10) % TOOLS + 1))"; fi
  } >"${dir}/devenv.toml"
  printf '[env]\nMEMBER = "%s"\n' "${name}" >"${W}/mise-ws/services/${name}/mise.toml"
done
(cd "${W}/ws" && "${D}" -q lock 2>/dev/null && "${D}" -q install >/dev/null 2>&1 && "${D}" -q allow)
(cd "${W}/single" && "${D}" -q install >/dev/null 2>&1 && "${D}" -q allow)
"${MISE}" trust "${W}/mise-ws" >/dev/null 2>&1
for ((m = 1; m <= MEMBERS; m++)); do
  "${MISE}" trust "${W}/mise-ws/services/$(printf 'm%03d' "${m}")" >/dev/null 2>&1
done

hf() { # COMMAND -> median ms
  hyperfine -N --warmup 5 --runs "${RUNS:-50}" --style none --export-json "${W}/h.json" "$1" >/dev/null 2>&1
  python3 -c "import json;print(round(json.load(open('${W}/h.json'))['results'][0]['median']*1e3, 2))"
}
# hook-env in DIR with the state the shell has after entering FROM (or none).
hook_env() { # TOOL FROM TO
  (
    if [[ -n $2 ]]; then
      cd "$2"
      if [[ $1 == devenv ]]; then eval "$("${D}" hook-env --shell bash 2>/dev/null)"; else
        eval "$("${MISE}" hook-env -s bash 2>/dev/null)"; eval "$("${MISE}" hook-env -s bash 2>/dev/null)"; fi
    fi
    cd "$3"
    if [[ $1 == devenv ]]; then hf "${D} hook-env --shell bash"; else hf "${MISE} hook-env -s bash"; fi
  )
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); mise $("${MISE}" --version | cut -d' ' -f1)"
echo "workspace: ${MEMBERS} members, ${TOOLS} tools at the root; lock $(wc -c <"${W}/ws/devenv.lock") bytes"
echo
a=${W}/ws/services/m001
b=${W}/ws/services/m002
echo "| ms (median) | devenv workspace | devenv single project | mise merged configs |"
echo "|---|---|---|---|"
echo "| \`lock\`, nothing changed | $(cd "${W}/ws/services/m001" && hf "${D} -q lock") | $(cd "${W}/single" && hf "${D} -q lock") | - |"
echo "| entering (hook-env from outside) | $(hook_env devenv "" "${a}") | $(hook_env devenv "" "${W}/single") | $(hook_env mise "" "${W}/mise-ws/services/m001") |"
echo "| moving to the next member | $(hook_env devenv "${a}" "${b}") | - | $(hook_env mise "${W}/mise-ws/services/m001" "${W}/mise-ws/services/m002") |"
echo "| leaving (hook-env outside, state loaded) | $(hook_env devenv "${a}" "${W}/outside") | $(hook_env devenv "${W}/single" "${W}/outside") | $(hook_env mise "${W}/mise-ws/services/m001" "${W}/outside") |"
