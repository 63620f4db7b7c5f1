# devenv shell hook for bash. Load it from ~/.bashrc with:
#   eval "$(devenv hook bash)"
#
# At each prompt, __devenv_hook finds the nearest devenv.toml above $PWD and
# checks the watched files against the stamp, using builtins only. Only when
# the project or a watched file changed does it run `devenv hook-env`, whose
# output moves the shell from the active state to the new one. The state is
# in exported __DEVENV_* variables (see `devenv status`).

# True when a watched file changed since devenv read it: a file that existed
# is gone or newer than the stamp, or a file that did not exist appeared; or
# when PATH lost an entry devenv added (a login shell's profile reset it).
__devenv_stale() {
  # `local -` scopes the `set -f` (no globbing of the paths) to this function.
  local - IFS=$'\n' entry stamp=
  set -f
  for entry in ${__DEVENV_WATCH-}; do
    if [[ -z ${stamp} ]]; then
      stamp=${entry}
      [[ -e ${stamp} ]] || return 0
    elif [[ ${entry} == +* ]]; then
      [[ -e ${entry#+} && ! ${entry#+} -nt ${stamp} ]] || return 0
    elif [[ ${entry} == :* ]]; then
      [[ :${PATH-}: == *":${entry#:}:"* ]] || return 0
    else
      [[ ! -e ${entry#-} ]] || return 0
    fi
  done
  return 1
}

__devenv_hook() {
  local previous_exit_status=$? dir=${PWD} code
  while [[ -n ${dir} && ! -f ${dir}/devenv.toml ]]; do
    dir=${dir%/*}
  done
  if [[ -z ${dir} && -f /devenv.toml ]]; then
    dir=/
  fi
  if [[ ${dir} != "${__DEVENV_DIR-}" ]] || { [[ -n ${dir} ]] && __devenv_stale; }; then
    if code=$(@DEVENV@ hook-env --shell bash); then
      eval "${code}"
    fi
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
