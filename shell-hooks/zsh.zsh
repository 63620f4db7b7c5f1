# devenv shell hook for zsh. Load it from ~/.zshrc with:
#   eval "$(devenv hook zsh)"
#
# At each prompt and directory change, __devenv_hook finds the nearest
# devenv.toml above $PWD and checks the watched files against the stamp,
# using builtins only. Only when the project, PATH or a watched file changed
# does it run `devenv hook-env`, whose output moves the shell from the active
# state to the new one. The state is in exported __DEVENV_* variables.

# True when a watched file changed since devenv read it: a file that existed
# is gone or newer than the stamp, or a file that did not exist appeared.
# A relative path is in the project directory, which may hold a newline.
__devenv_stale() {
  emulate -L zsh
  local -a entries
  entries=(${(f)__DEVENV_WATCH-})
  (( ${#entries} )) || return 1
  local stamp=${entries[1]} entry file
  # zsh's -nt is false when the stamp is missing, so test that first.
  [[ $stamp == /* && -e $stamp ]] || return 0
  for entry in ${entries[2,-1]}; do
    file=${entry#[+-]}
    [[ $file == /* ]] || file=${__DEVENV_DIR-}/$file
    if [[ $entry == +* ]]; then
      [[ -e $file && ! $file -nt $stamp ]] || return 0
    elif [[ $entry == -* ]]; then
      [[ ! -e $file ]] || return 0
    fi
  done
  return 1
}

# True when PATH is as devenv left it. Comparing PATH itself costs zsh
# time in proportion to its length (about 90 µs for 100 tools' entries),
# so the test is whether PATH was assigned at all: zsh empties its command
# hash table ($commands) whenever PATH is assigned, and our sentinel entry
# goes with it. Only then is PATH compared with the copy taken after the
# last call to devenv, and the sentinel put back when they are equal.
# Neither is exported: a new shell (`devenv enter`, a terminal started
# from this one) compares PATH's length with the one devenv recorded, the
# `=LENGTH FINGERPRINT` line of __DEVENV_WATCH.
__devenv_path_kept() {
  emulate -L zsh
  (( ${+commands[__devenv_path_unchanged]} )) && return 0
  if (( ${+__devenv_path} )); then
    [[ ${PATH-} == "$__devenv_path" ]] || return 1
  else
    local length=${__DEVENV_WATCH-}
    length=${length##*$'\n'=}
    [[ ${#PATH} == "${length%% *}" ]] || return 1
    typeset -g __devenv_path=${PATH-}
  fi
  hash __devenv_path_unchanged=/dev/null
}

# At a steady prompt: the same project directory, PATH as devenv left it
# (a login shell's profile may reset it: devenv then puts its entries
# back), and no watched file changed. Its cost does not depend on the
# number of tools.
__devenv_hook() {
  emulate -L zsh
  local dir=$PWD
  while [[ -n $dir && ! -f $dir/devenv.toml ]]; do
    dir=${dir%/*}
  done
  if [[ -z $dir && -f /devenv.toml ]]; then
    dir=/
  fi
  if [[ $dir != "${__DEVENV_DIR-}" ]] || {
    [[ -n $dir ]] && { ! __devenv_path_kept || __devenv_stale; }
  }; then
    eval "$(@DEVENV@ hook-env --shell zsh)"
    typeset -g __devenv_path=${PATH-}
    hash __devenv_path_unchanged=/dev/null
  fi
}

# $commands (zsh/parameter) tells whether a name is in the hash table.
zmodload -F zsh/parameter p:commands 2>/dev/null

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
