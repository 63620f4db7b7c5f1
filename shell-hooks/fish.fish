# devenv shell hook for fish. Load it from ~/.config/fish/config.fish with:
#   devenv hook fish | source
#
# At each prompt and directory change, __devenv_hook finds the nearest
# devenv.toml above $PWD and checks the watched files against the stamp,
# using builtins only (fish runs builtins in command substitutions without
# forking, but a substitution still costs far more than a test, so the
# directories above $PWD and the split watch list are kept in globals until
# $PWD or the list changes). Only when the project or a watched file changed does it run
# `devenv hook-env`, whose output moves the shell from the active state to
# the new one. The state is in exported __DEVENV_* variables.

# True when a watched file changed since devenv read it: a file that existed
# is gone or newer than the stamp, or a file that did not exist appeared; or
# when PATH lost an entry devenv added (a login shell's profile reset it).
# The watch list is split into globals only when it changes: a command
# substitution costs fish far more than a builtin test.
function __devenv_stale
    if test "$__devenv_watch_seen" != "$__DEVENV_WATCH"
        set -g __devenv_watch_seen $__DEVENV_WATCH
        set -l entries (string split \n -- "$__DEVENV_WATCH")
        set -g __devenv_stamp $entries[1]
        set -e entries[1]
        set -g __devenv_present (string replace -rf -- '^\+' '' $entries)
        set -g __devenv_absent (string replace -rf -- '^-' '' $entries)
        set -g __devenv_path (string replace -rf -- '^:' '' $entries)
    end
    test -n "$__devenv_stamp"; or return 1
    test -e "$__devenv_stamp"; or return 0
    for file in $__devenv_present
        test -e "$file"; and not test "$file" -nt "$__devenv_stamp"; or return 0
    end
    for file in $__devenv_absent
        test -e "$file"; and return 0
    end
    for entry in $__devenv_path
        contains -- $entry $PATH; or return 0
    end
    return 1
end

function __devenv_hook --on-event fish_prompt --on-variable PWD
    # The directories from $PWD up ('' standing for /), computed once per
    # directory change; each prompt then only tests for devenv.toml.
    if test "$__devenv_pwd" != "$PWD"
        set -g __devenv_pwd $PWD
        set -g __devenv_up $PWD
        set -l up $PWD
        while test -n "$up"
            set up (string replace -r -- '/[^/]*$' '' $up)
            set -a __devenv_up $up
        end
    end
    set -l dir
    for up in $__devenv_up
        if test -f "$up/devenv.toml"
            set dir $up
            test -n "$dir"; or set dir /
            break
        end
    end
    if test "$dir" != "$__DEVENV_DIR"; or begin
            test -n "$dir"; and __devenv_stale
        end
        @DEVENV@ hook-env --shell fish | source
    end
end
