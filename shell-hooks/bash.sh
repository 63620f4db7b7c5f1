# devenv shell hook for bash. Load it from ~/.bashrc with:
#   eval "$(devenv hook bash)"
#
# At each prompt, __devenv_hook finds the nearest devenv.toml above $PWD and
# checks the watched files against the stamp, using builtins only. Only when
# the project, PATH or a watched file changed does it run `devenv hook-env`, whose
# output moves the shell from the active state to the new one. The state is
# in exported __DEVENV_* variables (see `devenv status`).

# True when a watched file changed since devenv read it: a file that existed
# is gone or newer than the stamp, or a file that did not exist appeared.
# A relative path is in the project directory, which may hold a newline.
__devenv_stale() {
  # `local -` scopes the `set -f` (no globbing of the paths) to this function.
  local - IFS=$'\n' entry file stamp=
  set -f
  for entry in ${__DEVENV_WATCH-}; do
    if [[ -z ${stamp} ]]; then
      stamp=${entry}
      [[ ${stamp} == /* && -e ${stamp} ]] || return 0
      continue
    fi
    file=${entry#[+-]}
    [[ ${file} == /* ]] || file=${__DEVENV_DIR-}/${file}
    if [[ ${entry} == +* ]]; then
      [[ -e ${file} && ! ${file} -nt ${stamp} ]] || return 0
    elif [[ ${entry} == -* ]]; then
      [[ ! -e ${file} ]] || return 0
    fi
  done
  return 1
}

# True when PATH is as devenv left it. Comparing PATH itself costs bash
# time in proportion to its length (about 300 µs for 100 tools' entries),
# so the test is whether PATH was assigned at all: bash empties its command
# hash table (BASH_CMDS) whenever PATH is assigned, and our sentinel entry
# goes with it. Only then is PATH compared with the copy taken after the
# last call to devenv, and the sentinel put back when they are equal.
# Neither is exported: a new shell (`devenv enter`, a terminal started
# from this one) compares PATH's length with the one devenv recorded, the
# `=LENGTH FINGERPRINT` line of __DEVENV_WATCH.
__devenv_path_kept() {
  [[ -n ${BASH_CMDS[__devenv_path_unchanged]+set} ]] && return 0
  if [[ -n ${__devenv_path+set} ]]; then
    [[ ${PATH-} == "${__devenv_path}" ]] || return 1
  else
    local length=${__DEVENV_WATCH-}
    length=${length##*$'\n'=}
    [[ ${#PATH} == "${length%% *}" ]] || return 1
    __devenv_path=${PATH-}
  fi
  BASH_CMDS[__devenv_path_unchanged]=/dev/null
}

# At a steady prompt: the same project directory, PATH as devenv left it
# (a login shell's profile may reset it: devenv then puts its entries
# back), and no watched file changed. Its cost does not depend on the
# number of tools.
__devenv_hook() {
  local previous_exit_status=$? dir=${PWD} code
  while [[ -n ${dir} && ! -f ${dir}/devenv.toml ]]; do
    dir=${dir%/*}
  done
  if [[ -z ${dir} && -f /devenv.toml ]]; then
    dir=/
  fi
  if [[ ${dir} != "${__DEVENV_DIR-}" ]] || {
    [[ -n ${dir} ]] && {
      { [[ -z ${BASH_CMDS[__devenv_path_unchanged]+set} ]] && ! __devenv_path_kept; } || __devenv_stale
    }
  }; then
    if code=$(@DEVENV@ hook-env --shell bash); then
      eval "${code}"
    fi
    __devenv_path=${PATH-}
    BASH_CMDS[__devenv_path_unchanged]=/dev/null
  fi
  return "${previous_exit_status}"
}

# Run first at each prompt, keeping the user's PROMPT_COMMAND, whether a
# string or (bash 5.1+) an array.
if [[ -n ${PROMPT_COMMAND+set} && ${PROMPT_COMMAND@a} == *a* ]]; then
  if [[ " ${PROMPT_COMMAND[*]} " != *" __devenv_hook "* ]]; then
    PROMPT_COMMAND=(__devenv_hook "${PROMPT_COMMAND[@]}")
  fi
elif [[ ";${PROMPT_COMMAND-};" != *";__devenv_hook;"* ]]; then
  # shellcheck disable=SC2178 # the string form, in the branch where it is a string
  PROMPT_COMMAND="__devenv_hook${PROMPT_COMMAND:+;${PROMPT_COMMAND#;}}"
fi
