# devenv shell hook for fish. Load it from ~/.config/fish/config.fish with:
#   devenv hook fish | source
#
# At each prompt and directory change, __devenv_hook finds the nearest
# devenv.toml above $PWD and checks the watched files against the stamp,
# using builtins only (fish runs builtins in command substitutions without
# forking, but a substitution still costs far more than a test, so the
# directories above $PWD and the split watch list are kept in globals until
# $PWD or the list changes). Only when the project, PATH or a watched file
# changed does it run `devenv hook-env`, whose output moves the shell from
# the active state to the new one. The state is in exported __DEVENV_* variables.

# True when a watched file changed since devenv read it: a file that existed
# is gone or newer than the stamp, or a file that did not exist appeared.
# A relative path is in the project directory, which may hold a newline.
# The watch list is split into globals only when it changes: a command
# substitution costs fish far more than a builtin test.
function __devenv_stale
    if test "$__devenv_watch_seen" != "$__DEVENV_WATCH"
        set -g __devenv_watch_seen $__DEVENV_WATCH
        set -l entries (string split \n -- "$__DEVENV_WATCH")
        set -g __devenv_stamp $entries[1]
        set -e entries[1]
        set -g __devenv_present
        set -g __devenv_absent
        for entry in $entries
            set -l file (string sub -s 2 -- $entry)
            string match -q -- '/*' $file; or set file "$__DEVENV_DIR/$file"
            switch $entry
                case '+*'
                    set -a __devenv_present $file
                case '-*'
                    set -a __devenv_absent $file
            end
        end
    end
    test -n "$__devenv_stamp"; or return 1
    string match -q -- '/*' "$__devenv_stamp"; and test -e "$__devenv_stamp"; or return 0
    for file in $__devenv_present
        test -e "$file"; and not test "$file" -nt "$__devenv_stamp"; or return 0
    end
    for file in $__devenv_absent
        test -e "$file"; and return 0
    end
    return 1
end

# True when PATH is as devenv left it. Comparing PATH itself costs fish
# time in proportion to its length (about 100 µs for 100 tools' entries),
# so the test is whether PATH was set at all: fish sends an event then,
# and __devenv_path_set notes it. Only then is PATH compared with the copy
# taken after the last call to devenv. Neither is exported: a new shell
# (`devenv enter`, a terminal started from this one) compares PATH's
# length with the one devenv recorded, the `=LENGTH FINGERPRINT` line of
# __DEVENV_WATCH.
function __devenv_path_set --on-variable PATH
    set -g __devenv_path_changed 1
end

function __devenv_path_kept
    set -q __devenv_path_changed; or return 0
    if set -q __devenv_path
        test "$PATH" = "$__devenv_path"; or return 1
    else
        set -l length (string match -r -- '(?<=\n=)[0-9]+(?= [^\n]*$)' "$__DEVENV_WATCH")
        test (string length -- "$PATH") = "$length"; or return 1
        set -g __devenv_path "$PATH"
    end
    set -e __devenv_path_changed
end

# At a steady prompt: the same project directory, PATH as devenv left it
# (a login shell's profile may reset it: devenv then puts its entries
# back), and no watched file changed. Its cost does not depend on the
# number of tools.
function __devenv_hook --on-event fish_prompt --on-variable PWD
    # The directories from $PWD up to /, computed once per directory
    # change; each prompt then only tests for devenv.toml. NUL-separated,
    # so a directory with a newline in its name stays one element.
    if test "$__devenv_pwd" != "$PWD"
        set -g __devenv_pwd $PWD
        set -g __devenv_up $PWD
        set -l up $PWD
        while test -n "$up"; and test "$up" != /
            set up (path dirname -Z -- $up | string split0)
            set -a __devenv_up $up
        end
    end
    set -l dir
    for up in $__devenv_up
        if test -f "$up/devenv.toml"
            set dir $up
            break
        end
    end
    if test "$dir" != "$__DEVENV_DIR"; or begin
            test -n "$dir"; and begin
                not __devenv_path_kept; or __devenv_stale
            end
        end
        @DEVENV@ hook-env --shell fish | source
        set -g __devenv_path "$PATH"
        set -e __devenv_path_changed
    end
end

# A new shell has no copy of PATH yet.
set -g __devenv_path_changed 1
