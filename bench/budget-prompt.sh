#!/usr/bin/env bash
# CI check: the instructions bash executes for one steady prompt of
# devenv's hook (__devenv_hook, the project entered, nothing changed),
# with 1 and 100 PATH entries from the project, against the budgets in
# bench/budgets/prompt.txt. Counted with valgrind's callgrind, which counts
# executed instructions, not time, so the figure is the same on any
# machine load: bash runs the same script with 1 and with 1+N prompts
# (callgrind does not follow the `devenv` child that entering starts), and
# the difference divided by N is the cost of one prompt.
# Fails, naming the figure and its budget, when one is over; prints them all.
# Needs: valgrind, and devenv built (DEVENV=path, default target/debug/devenv).
# Usage: bench/budget-prompt.sh   (N=200; UPDATE=1 prints budget lines to paste)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${N:-200}
budgets=${repo}/bench/budgets/prompt.txt
D=${DEVENV:-${repo}/target/debug/devenv}
[[ -x ${D} ]] || (cd "${repo}" && cargo build -q)
command -v valgrind >/dev/null || { echo "budget-prompt: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
W=$(mktemp -d /tmp/devenv-budget.XXXXXX)
trap 'rm -rf "${W}"' EXIT

# A project whose `path` adds ENTRIES directories to PATH, entered once.
project() { # ENTRIES -> project dir
  local dir=${W}/p$1 i list=
  mkdir -p "${dir}"
  for ((i = 1; i <= $1; i++)); do
    mkdir -p "${dir}/tool-${i}/bin"
    list+="${list:+, }\"tool-${i}/bin\""
  done
  printf '[env]\nA1 = "one"\npath = [%s]\n' "${list}" >"${dir}/devenv.toml"
  DEVENV_HOME=${W}/home "${D}" -C "${dir}" allow >/dev/null 2>&1
  echo "${dir}"
}

# Instructions of bash running the hook, entering DIR and PROMPTS prompts.
count() { # DIR PROMPTS
  {
    "${D}" hook bash
    printf 'cd %q\n__devenv_hook\n' "$1"
    printf '__devenv_hook\n%.0s' $(seq "$2")
  } >"${W}/script"
  env -i HOME="${W}" PATH=/usr/bin:/bin LANG=C DEVENV_HOME="${W}/home" \
    valgrind --tool=callgrind --callgrind-out-file="${W}/cg.out" \
    bash --noprofile --norc "${W}/script" >/dev/null 2>"${W}/vg.log" ||
    { cat "${W}/vg.log" >&2; exit 1; }
  sed -n 's/^summary: //p' "${W}/cg.out"
}

failed=0
for entries in 1 100; do
  dir=$(project "${entries}")
  base=$(count "${dir}" 1)
  more=$(count "${dir}" $((1 + N)))
  per=$(((more - base) / N))
  name=bash-steady-prompt-${entries}
  budget=$(awk -v n="${name}" '$1 == n { print $2 }' "${budgets}" 2>/dev/null || true)
  if [[ -n ${UPDATE-} ]]; then
    echo "${name} $((per * 5 / 4))"
  elif [[ -z ${budget} ]]; then
    echo "budget-prompt: no budget for ${name} in ${budgets}" >&2
    failed=1
  elif ((per > budget)); then
    echo "budget-prompt: ${name} costs ${per} instructions per prompt, over its budget of ${budget} (${budgets})" >&2
    failed=1
  else
    echo "${name}: ${per} instructions per prompt (budget ${budget})"
  fi
done
exit "${failed}"
