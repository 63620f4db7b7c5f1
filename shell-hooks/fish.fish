# devenv shell hook for fish. Load it from ~/.config/fish/config.fish with:
#   devenv hook fish | source
#
# At each prompt and directory change, __devenv_hook finds the nearest
# devenv.toml above $PWD and checks the watched files against the stamp,
# using builtins only (fish runs builtins in command substitutions without
# forking). Only when the project or a watched file changed does it run
# `devenv hook-env`, whose output moves the shell from the active state to
# the new one. The state is in exported __DEVENV_* variables.

# True when a watched file changed since devenv read it: a file that existed
# is gone or newer than the stamp, or a file that did not exist appeared; or
# when PATH lost an entry devenv added (a login shell's profile reset it).
function __devenv_stale
    set -l entries (string split \n -- "$__DEVENV_WATCH")
    set -l stamp $entries[1]
    test -n "$stamp"; or return 1
    test -e "$stamp"; or return 0
    set -e entries[1]
    for entry in $entries
        set -l file (string sub --start 2 -- $entry)
        if string match -q -- '+*' $entry
            test -e "$file"; and not test "$file" -nt "$stamp"; or return 0
        else if string match -q -- ':*' $entry
            contains -- $file $PATH; or return 0
        else if test -e "$file"
            return 0
        end
    end
    return 1
end

function __devenv_hook --on-event fish_prompt --on-variable PWD
    set -l dir $PWD
    while test -n "$dir"; and not test -f "$dir/devenv.toml"
        set dir (string replace -r -- '/[^/]*$' '' $dir)
    end
    if test -z "$dir"; and test -f /devenv.toml
        set dir /
    end
    if test "$dir" != "$__DEVENV_DIR"; or begin
            test -n "$dir"; and __devenv_stale
        end
        @DEVENV@ hook-env --shell fish | source
    end
end
