# devenv shell hook for zsh. Load it from ~/.zshrc with:
#   eval "$(devenv hook zsh)"
#
# At each prompt and directory change, __devenv_hook finds the nearest
# devenv.toml above $PWD and checks the watched files against the stamp,
# using builtins only. Only when the project or a watched file changed does
# it run `devenv hook-env`, whose output moves the shell from the active
# state to the new one. The state is in exported __DEVENV_* variables.

# True when a watched file changed since devenv read it: a file that existed
# is gone or newer than the stamp, or a file that did not exist appeared; or
# when PATH lost an entry devenv added (a login shell's profile reset it).
__devenv_stale() {
  emulate -L zsh
  local -a entries
  entries=(${(f)__DEVENV_WATCH-})
  (( ${#entries} )) || return 1
  local stamp=${entries[1]} entry
  # zsh's -nt is false when the stamp is missing, so test that first.
  [[ -e $stamp ]] || return 0
  for entry in ${entries[2,-1]}; do
    if [[ $entry == +* ]]; then
      [[ -e ${entry#+} && ! ${entry#+} -nt $stamp ]] || return 0
    elif [[ $entry == :* ]]; then
      (( ${path[(Ie)${entry#:}]} )) || return 0
    else
      [[ ! -e ${entry#-} ]] || return 0
    fi
  done
  return 1
}

__devenv_hook() {
  emulate -L zsh
  local dir=$PWD
  while [[ -n $dir && ! -f $dir/devenv.toml ]]; do
    dir=${dir%/*}
  done
  if [[ -z $dir && -f /devenv.toml ]]; then
    dir=/
  fi
  if [[ $dir != "${__DEVENV_DIR-}" ]] || { [[ -n $dir ]] && __devenv_stale; }; then
    eval "$(@DEVENV@ hook-env --shell zsh)"
  fi
}

# Join the precmd and chpwd hook arrays, as add-zsh-hook does, without
# disturbing the other tools' hooks.
() {
  emulate -L zsh
  typeset -ga precmd_functions chpwd_functions
  if (( ! ${precmd_functions[(Ie)__devenv_hook]} )); then
    precmd_functions=(__devenv_hook $precmd_functions)
  fi
  if (( ! ${chpwd_functions[(Ie)__devenv_hook]} )); then
    chpwd_functions=(__devenv_hook $chpwd_functions)
  fi
}
