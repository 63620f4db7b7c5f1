# devenv shell hook for xonsh. Load it from ~/.xonshrc with:
#   execx($(devenv hook xonsh))
#
# Before each prompt and on each directory change, __devenv_hook finds the
# nearest devenv.toml above $PWD and checks the watched files against the
# stamp, in Python (os.stat; no process). Only when the project or a
# watched file changed does it run `devenv hook-env --shell xonsh`, which
# prints JSON: {"set": {NAME: VALUE}, "unset": [NAME]}; this hook applies
# it. The state is in exported __DEVENV_* variables.

import json as __devenv_json
import os as __devenv_os
import subprocess as __devenv_subprocess


def __devenv_stale(watch, path):
    """True when a watched file changed since devenv read it: a file that
    existed is gone or newer than the stamp, or a file that did not exist
    appeared; or when PATH lost an entry devenv added."""
    lines = watch.split('\n')
    try:
        stamp = __devenv_os.stat(lines[0]).st_mtime_ns
    except OSError:
        return True
    for entry in lines[1:]:
        if entry.startswith(':'):
            if entry[1:] not in path:
                return True
            continue
        try:
            mtime = __devenv_os.stat(entry[1:]).st_mtime_ns
        except OSError:
            mtime = None
        if entry.startswith('+'):
            if mtime is None or mtime > stamp:
                return True
        elif mtime is not None:
            return True
    return False


def __devenv_hook(**_):
    env = __xonsh__.env
    directory = env.get('PWD', '')
    while directory and not __devenv_os.path.isfile(directory + '/devenv.toml'):
        directory = directory[:directory.rfind('/')]
    if not directory and __devenv_os.path.isfile('/devenv.toml'):
        directory = '/'
    if directory == env.get('__DEVENV_DIR', '') and not (
        directory and __devenv_stale(env.get('__DEVENV_WATCH', ''), list(env.get('PATH', [])))
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
        return
    for name, value in changes['set'].items():
        env[name] = value
    for name in changes['unset']:
        env.pop(name, None)


# Loading the hook twice replaces it rather than running it twice.
for __devenv_event in (events.on_pre_prompt, events.on_chdir):
    for __devenv_old in [h for h in __devenv_event if h.__name__ == '__devenv_hook']:
        __devenv_event.discard(__devenv_old)
    __devenv_event(__devenv_hook)
