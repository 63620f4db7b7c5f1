#!/usr/bin/env bash
# The steady prompt at 1, 10 and 100 tools, devenv beside direnv and mise,
# in one run: µs per call of each tool's prompt function, in a loop inside
# one shell that loaded the tool's hook and entered the project (median of
# 5 loops; the machine's load average is printed with the figures). A
# "tool" is one PATH entry the project adds (`path` in devenv.toml,
# `_.path` in mise.toml, `PATH_add` in .envrc): what the prompt's cost
# depends on. devenv in bash, zsh, fish, xonsh and nushell (no process);
# direnv and mise in bash, where each starts its process at every prompt.
# Then elvish ten directories below the project's root: devenv's prompt
# function (which runs `hook-env` inside projects) against the processes
# direnv and mise run at each prompt there (hyperfine medians).
# Installs mise (npm's @jdxcode/mise-linux-x64) and direnv (Debian) into a
# temp dir; builds devenv with `cargo xtask dist` (DEVENV=path to use another).
# Usage: bench/prompt.sh   (LOOP=2000 PEER_LOOP=200 TOOLS="1 10 100")
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOOP=${LOOP:-2000}
PEER_LOOP=${PEER_LOOP:-200}
D=${DEVENV:-$(cd "${repo}" && cargo xtask dist)}
W=$(mktemp -d /tmp/devenv-prompt.XXXXXX)
trap 'rm -rf "${W}"' EXIT
(
  cd "${W}"
  apt-get download direnv >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download direnv >/dev/null; }
  dpkg -x direnv_*.deb direnv-root
  npm pack -q @jdxcode/mise-linux-x64 >/dev/null 2>&1
  tar xzf jdxcode-mise-linux-x64-*.tgz
)
DIRENV=${W}/direnv-root/usr/bin/direnv
MISE=${W}/package/bin/mise
tools_home=${repo}/target/tmp/devenv-test-tools
DEVENV_HOME=${tools_home} "${D}" -q -C "${repo}/tests/tools/nushell" install --frozen >/dev/null 2>&1
NU=$(DEVENV_HOME=${tools_home} "${D}" -C "${repo}/tests/tools/nushell" which nu)
export HOME=${W}/home DEVENV_HOME=${W}/devenv XDG_CONFIG_HOME=${W}/config XDG_DATA_HOME=${W}/data \
  MISE_DATA_DIR=${W}/mise/data MISE_CONFIG_DIR=${W}/mise/config MISE_CACHE_DIR=${W}/mise/cache \
  MISE_STATE_DIR=${W}/mise/state MISE_YES=1
mkdir -p "${HOME}"

project() { # N -> a project adding N PATH entries, for the three tools
  local dir=${W}/p$1 i list='' envrc=
  mkdir -p "${dir}/1/2/3/4/5/6/7/8/9/10"
  for ((i = 1; i <= $1; i++)); do
    mkdir -p "${dir}/tool-${i}/bin"
    list+="${list:+, }\"tool-${i}/bin\""
    envrc+="PATH_add tool-${i}/bin"$'\n'
  done
  printf '[env]\nA1 = "one"\npath = [%s]\n' "${list}" >"${dir}/devenv.toml"
  printf '[env]\nA1 = "one"\n_.path = [%s]\n' "${list}" >"${dir}/mise.toml"
  printf 'export A1=one\n%s' "${envrc}" >"${dir}/.envrc"
  (cd "${dir}" && "${D}" allow >/dev/null 2>&1 && "${DIRENV}" allow . >/dev/null 2>&1 && "${MISE}" trust . >/dev/null 2>&1)
  echo "${dir}"
}

# µs per call of a prompt function in SHELL, in DIR, after entering.
per_prompt() { # SHELL HOOK-FILE FUNCTION DIR LOOP
  case $1 in
    bash | zsh)
      local args=(--noprofile --norc)
      [[ $1 == zsh ]] && args=(-f)
      # shellcheck disable=SC2016 # the script is for the shell it starts
      "$1" "${args[@]}" -c '
        source "$1" 2>/dev/null; cd "$3"; for _ in 1 2 3; do "$2" 2>/dev/null; done
        [[ -n ${ZSH_VERSION-} ]] && zmodload zsh/datetime
        # µs since the epoch.
        now() {
          if [[ -n ${ZSH_VERSION-} ]]; then t=$((epochtime[1] * 1000000 + epochtime[2] / 1000)); else t=${EPOCHREALTIME/./}; fi
        }
        for r in 1 2 3 4 5; do
          now; s=$t; for ((i = 0; i < $4; i++)); do "$2"; done 2>/dev/null; now
          echo $(( (t - s) / $4 ))
        done | sort -n | sed -n 3p' _ "$2" "$3" "$4" "$5" ;;
    fish)
      # shellcheck disable=SC2016
      fish --no-config -c '
        source $argv[1]; cd $argv[2]; for i in 1 2 3; __devenv_hook 2>/dev/null; end
        for r in 1 2 3 4 5
          set -l s (date +%s%N); for i in (seq $argv[3]); __devenv_hook; end; set -l e (date +%s%N)
          math --scale 0 "($e - $s) / $argv[3] / 1000"
        end | sort -n | sed -n 3p' "$2" "$4" "$5" ;;
    xonsh)
      printf '%s\n' "source '$2'" "import os, time" "os.chdir('$4'); \$PWD = '$4'" \
        "for _ in range(3): __devenv_hook()" "runs = []" \
        "for _ in range(5):" "    s = time.perf_counter_ns()" "    for _ in range($5): __devenv_hook()" \
        "    runs.append((time.perf_counter_ns() - s) // $5 // 1000)" "print(sorted(runs)[2])" >"${W}/x.xsh"
      xonsh --no-rc "${W}/x.xsh" 2>/dev/null ;;
    nu)
      printf '%s\n' "source $2" "cd '$4'" "__devenv_hook; __devenv_hook" \
        "let runs = (1..5 | each {|_| let s = (date now); for i in 1..$5 { __devenv_hook }; ((date now) - \$s | into int) / $5 / 1000 })" \
        "print (\$runs | sort | get 2 | math round)" >"${W}/n.nu"
      "${NU}" --no-config-file "${W}/n.nu" 2>/dev/null ;;
  esac
}

hf() { # COMMAND -> median ms
  hyperfine -N --warmup 10 --runs "${RUNS:-100}" --style none --export-json "${W}/h.json" "$1" >/dev/null 2>&1
  python3 -c "import json;print(round(json.load(open('${W}/h.json'))['results'][0]['median']*1e3, 2))"
}

"${D}" hook bash >"${W}/devenv.bash"
"${D}" hook zsh >"${W}/devenv.zsh"
"${D}" hook fish >"${W}/devenv.fish"
"${D}" hook xonsh >"${W}/devenv.xsh"
"${D}" hook nu >"${W}/devenv.nu"
"${D}" hook elvish >"${W}/devenv.elv"
"${DIRENV}" hook bash >"${W}/direnv.bash"
"${MISE}" activate bash >"${W}/mise.bash"

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); direnv $("${DIRENV}" version); mise $("${MISE}" --version | cut -d' ' -f1)"
echo
echo "steady prompt, µs per prompt (median of 5 loops):"
echo
echo "| tools | devenv bash | devenv zsh | devenv fish | devenv xonsh | devenv nu | direnv bash | mise bash | devenv bash vs the faster peer |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in ${TOOLS:-1 10 100}; do
  dir=$(project "${n}")
  b=$(per_prompt bash "${W}/devenv.bash" __devenv_hook "${dir}" "${LOOP}")
  z=$(per_prompt zsh "${W}/devenv.zsh" __devenv_hook "${dir}" "${LOOP}")
  f=$(per_prompt fish "${W}/devenv.fish" __devenv_hook "${dir}" "${LOOP}")
  x=$(per_prompt xonsh "${W}/devenv.xsh" __devenv_hook "${dir}" "$((LOOP / 4))")
  u=$(per_prompt nu "${W}/devenv.nu" __devenv_hook "${dir}" "$((LOOP / 4))")
  dv=$(per_prompt bash "${W}/direnv.bash" _direnv_hook "${dir}" "${PEER_LOOP}")
  ms=$(per_prompt bash "${W}/mise.bash" _mise_hook "${dir}" "${PEER_LOOP}")
  best=$((dv < ms ? dv : ms))
  echo "| ${n} | ${b} | ${z} | ${f} | ${x} | ${u} | ${dv} | ${ms} | $(python3 -c "print(f'{${b} / ${best}:.3f}×')") |"
done

echo
echo "elvish, ten directories below the root of the 1-tool project, ms per prompt (load average $(cut -d' ' -f1 /proc/loadavg)):"
deep=${W}/p1/1/2/3/4/5/6/7/8/9/10
# devenv's whole prompt function in elvish: (T_N - T_0) / N, N prompts.
for k in 0 100; do
  {
    cat "${W}/devenv.elv"
    echo "cd '${deep}'"
    echo "__devenv_hook"
    for ((i = 0; i < k; i++)); do echo "__devenv_hook"; done
  } >"${W}/e${k}.elv"
done
t0=$(hf "elvish -norc ${W}/e0.elv")
t1=$(hf "elvish -norc ${W}/e100.elv")
ours=$(python3 -c "print(round((${t1} - ${t0}) / 100, 2))")
cd "${deep}"
eval "$("${DIRENV}" export bash 2>/dev/null)"
d_proc=$(hf "${DIRENV} export elvish")
eval "$("${MISE}" hook-env -s bash 2>/dev/null)"
eval "$("${MISE}" hook-env -s bash 2>/dev/null)"
m_proc=$(hf "${MISE} hook-env -s elvish")
echo
echo "| devenv: prompt function (hook-env included) | direnv: export elvish (its process per prompt) | mise: hook-env -s elvish (its process per prompt) |"
echo "|---|---|---|"
echo "| ${ours} ms | ${d_proc} ms | ${m_proc} ms |"
