#!/usr/bin/env bash
# Measures devenv's shell hook beside direnv's and mise's, in one run, for a
# project with 5 variables and one PATH entry:
#   (a) the steady prompt: each tool's own prompt function, called in a loop
#       inside one bash process (µs per prompt); plus, for direnv and mise,
#       the process their prompt function runs every time, under hyperfine;
#   (b) entering the project: the command each hook runs on entry, under
#       hyperfine (`devenv hook-env --shell bash`, `direnv export bash`,
#       `mise hook-env -s bash`).
# Installs direnv (the Debian package, unpacked) and mise (npm's
# @jdxcode/mise-linux-x64) into a temp dir; builds devenv with `cargo xtask dist`.
# Needs: cargo, apt-get, dpkg, npm, hyperfine, python3.
# Usage: bench/hook.sh   (from anywhere in the repository; RUNS=300 LOOP=10000)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-300}
LOOP=${LOOP:-10000}
PEER_LOOP=${PEER_LOOP:-300}

D=$(cd "${repo}" && cargo xtask dist)

W=$(mktemp -d /tmp/devenv-bench.XXXXXX)
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

export HOME=${W}/home DEVENV_HOME=${W}/devenv XDG_CONFIG_HOME=${W}/config XDG_DATA_HOME=${W}/data \
  MISE_DATA_DIR=${W}/mise/data MISE_CONFIG_DIR=${W}/mise/config MISE_CACHE_DIR=${W}/mise/cache \
  MISE_STATE_DIR=${W}/mise/state MISE_YES=1
mkdir -p "${HOME}" "${W}/proj/bin" "${W}/outside"
cd "${W}/proj"
vars='A1 = "one"\nA2 = "two"\nA3 = "three"\nA4 = "four"\nA5 = "five"\n'
printf "[env]\n${vars}_.path = [\"bin\"]\n" >mise.toml
printf 'export A1=one A2=two A3=three A4=four A5=five\nPATH_add bin\n' >.envrc
printf "[env]\n${vars}path = [\"bin\"]\n" >devenv.toml
"${DIRENV}" allow . >/dev/null 2>&1
"${MISE}" trust . >/dev/null 2>&1
"${D}" allow . >/dev/null 2>&1

# Median of hyperfine runs, in ms.
hf() {
  hyperfine -N --warmup 20 --runs "${RUNS}" --style none --export-json "${W}/h.json" "$1" >/dev/null 2>&1
  python3 -c "import json;print(json.load(open('${W}/h.json'))['results'][0]['median']*1e3)"
}

# µs per call of a prompt function, median of 5 timed loops, in a fresh
# bash that loaded the tool's hook, entered the project and reached a steady state.
per_prompt() { # HOOK-CODE FUNCTION ITERATIONS
  bash --noprofile --norc -c '
    eval "$1" 2>/dev/null
    cd "$4"; for _ in 1 2 3; do "$2" 2>/dev/null; done
    times=()
    for _ in 1 2 3 4 5; do
      start=${EPOCHREALTIME/./}
      for ((i = 0; i < $3; i++)); do "$2"; done 2>/dev/null
      end=${EPOCHREALTIME/./}
      times+=($(( (end - start) * 1000 / $3 )))
    done
    printf "%s\n" "${times[@]}" | sort -n | sed -n 3p' _ "$1" "$2" "$3" "${W}/proj"
}

ours_steady=$(per_prompt "$("${D}" hook bash)" __devenv_hook "${LOOP}")
direnv_steady=$(per_prompt "$("${DIRENV}" hook bash)" _direnv_hook "${PEER_LOOP}")
mise_steady=$(per_prompt "$("${MISE}" activate bash)" _mise_hook "${PEER_LOOP}")

direnv_steady_proc=$(eval "$("${DIRENV}" export bash 2>/dev/null)"; hf "${DIRENV} export bash")
mise_steady_proc=$(eval "$("${MISE}" hook-env -s bash 2>/dev/null)"; eval "$("${MISE}" hook-env -s bash 2>/dev/null)"; hf "${MISE} hook-env -s bash")

ours_enter=$(hf "${D} hook-env --shell bash")
direnv_enter=$(hf "${DIRENV} export bash")
mise_enter=$(hf "${MISE} hook-env -s bash")

python3 - "$(nproc)" "$("${DIRENV}" version)" "$("${MISE}" --version | cut -d' ' -f1)" \
  "${ours_steady}" "${direnv_steady}" "${mise_steady}" "${direnv_steady_proc}" "${mise_steady_proc}" \
  "${ours_enter}" "${direnv_enter}" "${mise_enter}" <<'PY'
import sys
cores, dv, mv = sys.argv[1:4]
s_us, ds_ns, ms_ns = (int(x) / 1000 for x in sys.argv[4:7])  # ns -> µs
dsp, msp, e, de, me = (float(x) for x in sys.argv[7:12])
print(f"machine: {cores} cores; direnv {dv}; mise {mv}; medians\n")
print("| case | devenv | direnv | mise | devenv vs the faster peer |")
print("|---|---|---|---|---|")
best = min(ds_ns, ms_ns)
print(f"| (a) steady prompt: the prompt function, in-shell loop | {s_us:.1f} µs | {ds_ns:.0f} µs | {ms_ns:.0f} µs | {best / s_us:.0f}× faster |")
print(f"| (a) steady prompt: process the hook runs | none | {dsp:.2f} ms | {msp:.2f} ms | no process |")
best = min(de, me)
print(f"| (b) entering: hook-env / export | {e:.2f} ms | {de:.2f} ms | {me:.2f} ms | {e / best:.2f}× the time ({'meets' if e < 2 and e <= best / 2 else 'misses'} < 2 ms and ≤ ½) |")
PY

# ---------------------------------------------------------------------------
# Per shell: the steady prompt and entering, in every shell devenv hooks.
#   steady prompt: the time of one prompt, from running the same script with
#     N extra prompts and with none (hyperfine medians; (T_N - T_0) / N),
#     in the real shell with the hook loaded and the project entered; and
#     how many processes the hook starts per steady prompt (devenv: none
#     where the shell compares with builtins; direnv and mise: one, timed
#     under hyperfine in steady state).
#   entering: `devenv hook-env --shell S`, `direnv export S`, `mise hook-env
#     -s S`, where the tool supports S (direnv: bash zsh fish tcsh elvish;
#     mise: bash zsh fish xonsh nu elvish).
# nushell comes from the pinned test project (tests/tools/nushell),
# installed by devenv into target/tmp like the tests do.
SHELL_RUNS=${SHELL_RUNS:-10}
STEADY_N=${STEADY_N:-1000}
SLOW_N=${SLOW_N:-200}
NU=$(
  export DEVENV_HOME=${repo}/target/tmp/devenv-test-tools
  "${D}" -q -C "${repo}/tests/tools/nushell" install --frozen >/dev/null 2>&1
  "${D}" -C "${repo}/tests/tools/nushell" which nu
)

# Writes the script for SHELL with N steady prompts after entering.
shell_script() { # SHELL N FILE
  local sh=$1 n=$2 file=$3 prompt cd
  case ${sh} in
    tcsh) prompt=precmd ;;
    xonsh) prompt='__devenv_hook()' ;;
    *) prompt=__devenv_hook ;;
  esac
  cd="cd '${W}/proj'"
  {
    "${D}" hook "${sh}"
    echo
    echo "${cd}"
    echo "${prompt}"
    for ((i = 0; i < n; i++)); do echo "${prompt}"; done
  } >"${file}"
}

shell_cmd() { # SHELL -> command line that runs a script file given after it
  case $1 in
    bash) echo "bash --noprofile --norc" ;;
    zsh) echo "zsh -f" ;;
    fish) echo "fish --no-config" ;;
    tcsh) echo "tcsh -f" ;;
    elvish) echo "elvish -norc" ;;
    xonsh) echo "xonsh --no-rc" ;;
    nu) echo "${NU} --no-config-file" ;;
  esac
}

# µs per steady prompt in SHELL: (T_N - T_0) / N.
steady_in() { # SHELL N
  shell_script "$1" 0 "${W}/s0"
  shell_script "$1" "$2" "${W}/sN"
  local cmd t0 tn
  cmd=$(shell_cmd "$1")
  t0=$(cd "${W}/outside" && RUNS=${SHELL_RUNS} hf_runs "${cmd} ${W}/s0")
  tn=$(cd "${W}/outside" && RUNS=${SHELL_RUNS} hf_runs "${cmd} ${W}/sN")
  python3 -c "print(round(max(0.0, (${tn} - ${t0}) * 1000 / $2), 1))"
}

hf_runs() {
  hyperfine -N --warmup 2 --runs "${RUNS}" --style none --export-json "${W}/h.json" "$1" >/dev/null 2>&1
  python3 -c "import json;print(json.load(open('${W}/h.json'))['results'][0]['median']*1e3)"
}

# A peer's process per steady prompt, in steady state: ms.
peer_steady() { # TOOL SHELL
  case $1 in
    direnv) (eval "$("${DIRENV}" export bash 2>/dev/null)"; hf "${DIRENV} export $2") ;;
    mise) (eval "$("${MISE}" hook-env -s bash 2>/dev/null)"; eval "$("${MISE}" hook-env -s bash 2>/dev/null)"; hf "${MISE} hook-env -s $2") ;;
  esac
}

rows=()
for sh in bash zsh fish tcsh elvish xonsh nu; do
  if [[ ${sh} == tcsh || ${sh} == elvish ]]; then n=${SLOW_N}; procs=1; else n=${STEADY_N}; procs=0; fi
  ours=$(steady_in "${sh}" "${n}")
  enter=$(hf "${D} hook-env --shell ${sh}")
  d_steady=- d_enter=- m_steady=- m_enter=-
  case ${sh} in bash | zsh | fish | tcsh | elvish)
    d_steady=$(peer_steady direnv "${sh}")
    d_enter=$(hf "${DIRENV} export ${sh}") ;;
  esac
  case ${sh} in bash | zsh | fish | xonsh | nu | elvish)
    m_steady=$(peer_steady mise "${sh}")
    m_enter=$(hf "${MISE} hook-env -s ${sh}") ;;
  esac
  rows+=("${sh} ${ours} ${procs} ${d_steady} ${m_steady} ${enter} ${d_enter} ${m_enter}")
done

python3 - "${rows[@]}" <<'PY'
import sys
def ms(x): return "—" if x == "-" else f"{float(x):.2f} ms"
print("\nper shell (steady prompt: one prompt in the real shell; processes per steady prompt; entering):\n")
print("| shell | steady: devenv | steady: direnv (1 process) | steady: mise (1 process) | entering: devenv | entering: direnv | entering: mise |")
print("|---|---|---|---|---|---|---|")
for row in sys.argv[1:]:
    sh, ours, procs, ds, msd, e, de, me = row.split()
    proc = "no process" if procs == "0" else "1 process"
    print(f"| {sh} | {float(ours):.1f} µs, {proc} | {ms(ds)} | {ms(msd)} | {ms(e)} | {ms(de)} | {ms(me)} |")
PY
