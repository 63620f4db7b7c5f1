# devenv shell hook for xonsh. Load it from ~/.xonshrc with:
#   execx($(devenv hook xonsh))
#
# Before each prompt and on each directory change, __devenv_hook finds the
# nearest devenv.toml above $PWD and checks the watched files against the
# stamp, in Python (os.stat; no process). Only when the project, PATH or a
# watched file changed does it run `devenv hook-env --shell xonsh`, which
# prints JSON: {"set": {NAME: VALUE}, "unset": [NAME]}; this hook applies
# it. The state is in exported __DEVENV_* variables.

import json as __devenv_json
import os as __devenv_os
import subprocess as __devenv_subprocess


def __devenv_stale(watch, directory):
    """True when a watched file changed since devenv read it: a file that
    existed is gone or newer than the stamp, or a file that did not exist
    appeared. A relative path is in the project directory."""
    lines = watch.split('\n')
    try:
        if not lines[0].startswith('/'):
            return True
        stamp = __devenv_os.stat(lines[0]).st_mtime_ns
    except OSError:
        return True
    for entry in lines[1:]:
        if entry[:1] not in ('+', '-'):
            continue
        file = entry[1:]
        if not file.startswith('/'):
            file = directory + '/' + file
        try:
            mtime = __devenv_os.stat(file).st_mtime_ns
        except OSError:
            mtime = None
        if entry.startswith('+'):
            if mtime is None or mtime > stamp:
                return True
        elif mtime is not None:
            return True
    return False


# PATH as it was after the last call to devenv, in this shell only (a list
# comparison costs xonsh little beside its own work at a prompt). A new
# shell (`devenv enter`, a terminal started from this one) has no copy
# yet: it compares PATH's length with the one devenv recorded, the
# `=LENGTH FINGERPRINT` line of __DEVENV_WATCH.
__devenv_path = [None]


def __devenv_path_now(env):
    """PATH's entries as set. Reading an EnvPath's items expands each one
    (about 10 µs an entry), so its own list is copied when it has one."""
    path = env.get('PATH', [])
    return list(getattr(path, '_l', path))


def __devenv_path_kept(env):
    if __devenv_path[0] is not None:
        return __devenv_path_now(env) == __devenv_path[0]
    recorded = env.get('__DEVENV_WATCH', '').rpartition('\n=')[2].partition(' ')[0]
    if str(len(':'.join(env.get('PATH', [])))) != recorded:
        return False
    __devenv_path[0] = __devenv_path_now(env)
    return True


def __devenv_hook(**_):
    """At a steady prompt: the same project directory, PATH as devenv left
    it (a login shell's profile may reset it: devenv then puts its entries
    back), and no watched file changed."""
    env = __xonsh__.env
    directory = env.get('PWD', '')
    while directory and not __devenv_os.path.isfile(directory + '/devenv.toml'):
        directory = directory[:directory.rfind('/')]
    if not directory and __devenv_os.path.isfile('/devenv.toml'):
        directory = '/'
    if directory == env.get('__DEVENV_DIR', '') and not (
        directory
        and (
            not __devenv_path_kept(env)
            or __devenv_stale(env.get('__DEVENV_WATCH', ''), env.get('__DEVENV_DIR', ''))
        )
    ):
        return
    # subprocess rather than $(...): no capture machinery, no threads.
    out = __devenv_subprocess.run(
        [@DEVENV@, 'hook-env', '--shell', 'xonsh'],
        stdout=__devenv_subprocess.PIPE,
        env=env.detype(),
        cwd=env.get('PWD') if __devenv_os.path.isdir(env.get('PWD', '')) else None,
    ).stdout
    try:
        changes = __devenv_json.loads(out)
    except ValueError:
        changes = {'set': {}, 'unset': []}
    for name, value in changes['set'].items():
        env[name] = value
    for name in changes['unset']:
        env.pop(name, None)
    __devenv_path[0] = __devenv_path_now(env)


# Loading the hook twice replaces it rather than running it twice.
for __devenv_event in (events.on_pre_prompt, events.on_chdir):
    for __devenv_old in [h for h in __devenv_event if h.__name__ == '__devenv_hook']:
        __devenv_event.discard(__devenv_old)
    __devenv_event(__devenv_hook)
