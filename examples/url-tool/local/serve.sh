#!/usr/bin/env bash
# Runs the url-tool idea with no internet at all: builds a small tool
# archive, serves it from 127.0.0.1 with Python's http.server, writes a
# manifest pointing at it, and runs the tool through devenv.
# Usage: examples/url-tool/local/serve.sh [path/to/devenv]
set -euo pipefail
devenv=${1:-devenv}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/srv/greet-1.0.0/bin" "$work/proj"
printf '#!/bin/sh\necho "greet 1.0.0: hello, $1"\n' >"$work/srv/greet-1.0.0/bin/greet"
chmod +x "$work/srv/greet-1.0.0/bin/greet"
tar -C "$work/srv" -czf "$work/srv/greet-1.0.0-linux-x86_64.tar.gz" greet-1.0.0
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work/srv" "$port" >/dev/null 2>&1 &
server=$!
sleep 0.5
cat >"$work/proj/devenv.toml" <<TOML
[tools]
greet = { version = "1.0.0", url = "http://127.0.0.1:$port/greet-{version}-{os}-{arch}.tar.gz" }
TOML
export DEVENV_HOME="$work/home" DEVENV_PLATFORM=linux-x86_64
"$devenv" -C "$work/proj" lock          # no sha256 given: trusted on first use, recorded in the lock
"$devenv" -C "$work/proj" install
"$devenv" -C "$work/proj" exec -- greet world
