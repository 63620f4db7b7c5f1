# devenv shell hook for elvish. Load it from ~/.config/elvish/rc.elv with:
#   eval (devenv hook elvish | slurp)
#
# Before each prompt (edit:before-readline) and after each directory change
# (after-chdir), outside projects, __devenv_hook looks for devenv.toml above
# $pwd with path:is-regular (no process), so nothing runs there. Inside a
# project it runs `devenv hook-env --shell elvish` at each prompt, because
# elvish 0.19 has no builtin that reads a file's modification time (devenv
# answers at once when no watched file changed); hook-env prints JSON:
# {"set": {NAME: VALUE}, "unset": [NAME]}, which this hook applies. The
# state is in exported __DEVENV_* variables.

use path
use str

fn __devenv_hook {|@_|
  # Inside a project (or just after leaving one), devenv is asked anyway,
  # and it finds the project itself: the walk up, about 100 µs a level in
  # elvish, is only made outside projects, to notice entering one.
  var active = ''
  if (has-env __DEVENV_DIR) {
    set active = $E:__DEVENV_DIR
  }
  if (==s $active '') {
    var dir = $pwd
    while $true {
      if (path:is-regular $dir/devenv.toml) { break }
      if (==s $dir '') { return }
      set dir = $dir[..(str:last-index $dir /)]
    }
  }
  var changes = $nil
  try {
    set changes = (@DEVENV@ hook-env --shell elvish | from-json)
  } catch {
    return
  }
  keys $changes[set] | each {|name| set-env $name $changes[set][$name] }
  for name $changes[unset] { unset-env $name }
}

# Join the hooks, replacing a previously loaded devenv hook. edit: exists
# only in interactive shells, so it is looked up at run time (an eval'd
# `put $edit:`) and its absence is not an error.
fn __devenv_join {|hooks|
  fn ours {|h| try { str:contains $h[body] '__DEVENV_DIR' } catch { put $false } }
  put [(each {|h| if (not (ours $h)) { put $h } } $hooks) $__devenv_hook~]
}
set after-chdir = (__devenv_join $after-chdir)
try {
  var edit-ns = (eval 'put $edit:')
  eval 'set edit:before-readline = (join $edit:before-readline)' &ns=(ns [&join~=$__devenv_join~ &edit:=$edit-ns])
} catch { }
