#!/usr/bin/env bash
# The steady prompt ten directories below a project's root, where the hook
# walks up ten levels to find devenv.toml, against the project root: µs per
# call of the prompt function, in an in-shell loop of LOOP calls (median of
# 5 loops), in bash, zsh and fish, with the project entered and nothing
# changed (no process is started). With OLD=<git revision>, the same for
# that revision's hooks beside the current ones.
# An older fish hook reads the `:ENTRY` lines (PATH checks) of today's
# __DEVENV_WATCH as files and would call devenv at every prompt, so for
# OLD they are removed after entering, as the older devenv never wrote them.
# Usage: bench/hook-depth.sh   (LOOP=2000; SHELLS="bash zsh fish"; OLD=be47876 to compare)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOOP=${LOOP:-2000}
D=$(cd "${repo}" && cargo xtask dist)
W=$(mktemp -d /tmp/devenv-depth.XXXXXX)
trap 'rm -rf "${W}"' EXIT
export DEVENV_HOME=${W}/home
mkdir -p "${W}/proj/bin" "${W}/proj/1/2/3/4/5/6/7/8/9/10"
printf '[env]\nA1 = "one"\nA2 = "two"\nA3 = "three"\nA4 = "four"\nA5 = "five"\npath = ["bin"]\n' >"${W}/proj/devenv.toml"
"${D}" -C "${W}/proj" allow >/dev/null 2>&1

hook() { # SHELL [REV] -> the hook script
  if [[ -n ${2-} ]]; then
    git -C "${repo}" show "$2:shell-hooks/$1.${3}" | sed "s|@DEVENV@|'${D}'|"
  else
    "${D}" hook "$1"
  fi
}

per_prompt() { # SHELL HOOK-FILE DIR [OLD] -> µs
  case $1 in
    bash | zsh)
      local args=(--noprofile --norc)
      [[ $1 == zsh ]] && args=(-f)
      # shellcheck disable=SC2016 # the script is for the shell it starts
      "$1" "${args[@]}" -c '
        source "$1"; cd "$2"; __devenv_hook 2>/dev/null; __devenv_hook
        for r in 1 2 3 4 5; do
          s=$(date +%s%N); for ((i = 0; i < $3; i++)); do __devenv_hook; done; e=$(date +%s%N)
          echo $(( (e - s) / $3 / 1000 ))
        done | sort -n | sed -n 3p' _ "$2" "$3" "${LOOP}" ;;
    fish)
      # shellcheck disable=SC2016
      fish --no-config -c '
        source $argv[1]; cd $argv[2]; __devenv_hook 2>/dev/null
        if test -n "$argv[4]"
          set -gx __DEVENV_WATCH (string split \n -- $__DEVENV_WATCH | string match -v -- ":*" | string join \n | string collect)
        end
        __devenv_hook
        for r in 1 2 3 4 5
          set -l s (date +%s%N); for i in (seq $argv[3]); __devenv_hook; end; set -l e (date +%s%N)
          math --scale 0 "($e - $s) / $argv[3] / 1000"
        end | sort -n | sed -n 3p' "$2" "$3" "${LOOP}" "$4" ;;
  esac
}

echo "| shell | hook | at the root | 10 levels down |"
echo "|---|---|---|---|"
for sh in ${SHELLS:-bash zsh fish}; do
  case ${sh} in bash) ext="sh" ;; zsh) ext="zsh" ;; fish) ext="fish" ;; *) continue ;; esac
  for rev in ${OLD:+"${OLD}"} ""; do
    hook "${sh}" "${rev}" "${ext}" >"${W}/hook"
    root=$(per_prompt "${sh}" "${W}/hook" "${W}/proj" "${rev}")
    deep=$(per_prompt "${sh}" "${W}/hook" "${W}/proj/1/2/3/4/5/6/7/8/9/10" "${rev}")
    echo "| ${sh} | ${rev:-this tree} | ${root} µs | ${deep} µs |"
  done
done
