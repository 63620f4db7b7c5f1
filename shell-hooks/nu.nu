# devenv shell hook for nushell. nushell sources files, not command output,
# so save the hook once (again after moving the devenv binary) and source
# it from config.nu:
#   devenv hook nu | save -f ($nu.default-config-dir | path join devenv.nu)
#   source ($nu.default-config-dir | path join devenv.nu)     # in config.nu
#
# Before each prompt and on each directory change, __devenv_hook finds the
# nearest devenv.toml above $env.PWD and checks the watched files against
# the stamp with nushell's own commands (`path type`, `ls`; no process).
# Only when the project, PATH or a watched file changed does it run `devenv
# hook-env --shell nu`, which prints JSON: {"set": {NAME: VALUE}, "unset":
# [NAME]}, PATH as a list; this hook applies it. The state is in exported
# __DEVENV_* variables.

# The modification time of `file`, or null when it is missing.
def __devenv_mtime [file: string] {
    if ($file | path exists) { ls -D $file | get 0?.modified? }
}

# True when a watched file changed since devenv read it: a file that
# existed is gone or newer than the stamp, or a file that did not exist
# appeared. A relative path is in the project directory. (One `ls` per
# file: one `ls` of several costs more in nushell.)
def __devenv_stale [] {
    let lines = ($env.__DEVENV_WATCH? | default '' | split row "\n")
    let first = ($lines | first)
    if not ($first starts-with '/') { return true }
    let stamp = (__devenv_mtime $first)
    if $stamp == null { return true }
    for entry in ($lines | skip 1) {
        mut file = ($entry | str substring 1..)
        if not ($file starts-with '/') { $file = $"($env.__DEVENV_DIR? | default '')/($file)" }
        if ($entry starts-with '+') {
            let mtime = (__devenv_mtime $file)
            if $mtime == null or $mtime > $stamp { return true }
        } else if ($entry starts-with '-') and ($file | path exists) {
            return true
        }
    }
    false
}

# True when PATH is as it was after the last call to devenv: the copy is a
# record, which nushell does not export. A new shell (`devenv enter`, a
# terminal started from this one) has no copy yet: it compares PATH's
# length with the one devenv recorded, the `=LENGTH FINGERPRINT` line of
# __DEVENV_WATCH.
def __devenv_path_kept [] {
    let kept = ($env.__devenv_path? | default {})
    if ($kept | columns | is-not-empty) { return ($kept.path == $env.PATH?) }
    let recorded = ($env.__DEVENV_WATCH? | default '' | split row "\n" | last | parse '={length} {print}')
    let joined = ($env.PATH? | default [] | str join ':')
    ($recorded | is-not-empty) and (($joined | str length | into string) == $recorded.0.length)
}

# At a steady prompt: the same project directory, PATH as devenv left it
# (a login shell's profile may reset it: devenv then puts its entries
# back), and no watched file changed.
def --env __devenv_hook [] {
    mut dir = $env.PWD
    while $dir != '' and (($dir | path join devenv.toml | path type) != 'file') {
        $dir = ($dir | str replace -r '/[^/]*$' '')
    }
    if $dir == '' and (('/devenv.toml' | path type) == 'file') {
        $dir = '/'
    }
    if $dir == ($env.__DEVENV_DIR? | default '') and ($dir == '' or ((__devenv_path_kept) and not (__devenv_stale))) {
        if $dir != '' and ($env.__devenv_path? == null) { $env.__devenv_path = {path: $env.PATH?} }
        return
    }
    let changes = (try { ^@DEVENV@ hook-env --shell nu | from json } catch { null })
    if $changes == null {
        $env.__devenv_path = {path: $env.PATH?}
        return
    }
    # Not in a block: `hide-env` there would only hide inside it.
    load-env $changes.set
    for name in $changes.unset { hide-env -i $name }
    $env.__devenv_path = {path: $env.PATH?}
}

# Run before each prompt and on each directory change; loading the hook
# twice replaces it rather than running it twice.
$env.config.hooks.pre_prompt = (
    $env.config.hooks.pre_prompt? | default [] | where {|h| ($h | describe) != 'closure' or (view source $h) !~ '__devenv_hook' } | append {|| __devenv_hook }
)
$env.config.hooks.env_change.PWD = (
    $env.config.hooks.env_change.PWD? | default [] | where {|h| ($h | describe) != 'closure' or (view source $h) !~ '__devenv_hook' } | append {|before, after| __devenv_hook }
)
