# devenv shell hook for tcsh. tcsh cannot `eval` a multi-line script, so
# save the hook and source it from ~/.tcshrc:
#   devenv hook tcsh >! ~/.devenv.tcsh && source ~/.devenv.tcsh
#
# tcsh aliases cannot loop and tcsh has no builtin that compares file
# times, so before each prompt (the precmd alias) this hook runs `devenv
# hook-env --shell tcsh`, which answers at once, printing nothing, when
# neither the directory's project nor a watched file changed. Its output is
# one `eval`-able line: a value's newlines are written as
# ${__devenv_nl:q}, the variable below. The state is in exported
# __DEVENV_* variables.

set __devenv_nl = '\
'
set __devenv_bin = @DEVENV@
alias __devenv_hook 'eval "`$__devenv_bin:q hook-env --shell tcsh`"'

# Run first before each prompt, keeping the user's precmd alias.
if ( "`alias precmd`" !~ *__devenv_hook* ) then
  alias precmd "__devenv_hook;`alias precmd`"
endif
