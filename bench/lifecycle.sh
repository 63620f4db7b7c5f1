#!/usr/bin/env bash
# `devenv rollback` and `devenv gc` with 200 store entries and 20 projects.
# Usage: bench/lifecycle.sh [path/to/devenv]   (default: the build of `cargo xtask dist`)
# Needs: hyperfine, python3.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
devenv=${1:-$(cd "$here" && cargo xtask dist)}
devenv=$(cd "$(dirname "$devenv")" && pwd)/$(basename "$devenv")
w=$(mktemp -d /tmp/devenv-lifecycle.XXXXXX)
trap 'kill "$server" 2>/dev/null || true; chmod -R u+w "$w"; rm -rf "$w"' EXIT
export DEVENV_HOME="$w/home"

# 200 small tools (each about 64 KiB of data and a script).
mkdir -p "$w/srv"
for i in $(seq 1 200); do
  d="$w/build/t$i-1.0"; mkdir -p "$d/bin"
  printf '#!/bin/sh\necho t%s\n' "$i" >"$d/bin/t$i"; chmod +x "$d/bin/t$i"
  head -c 65536 /dev/urandom >"$d/data"
  tar -C "$w/build" -czf "$w/srv/t$i-1.0.tar.gz" "t$i-1.0"
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$w/srv" "$port" >/dev/null 2>&1 &
server=$!
sleep 0.5

# 20 projects of 10 tools each; project 1 also gets a second generation.
for p in $(seq 1 20); do
  mkdir -p "$w/p$p"
  { echo "[tools]"
    for k in $(seq 1 10); do i=$(( (p - 1) * 10 + k ))
      echo "t$i = { version = \"1.0\", url = \"http://127.0.0.1:$port/t$i-{version}.tar.gz\" }"
    done
  } >"$w/p$p/devenv.toml"
  "$devenv" -q -C "$w/p$p" install
done
sed -i '/^t10 /d' "$w/p1/devenv.toml"
"$devenv" -q -C "$w/p1" install
echo "store entries: $(ls "$DEVENV_HOME/store" | wc -l); projects: 20; $(nproc) cores"

json() { python3 -c "import json,sys;r=json.load(open(sys.argv[1]))['results'];[print(f\"{x['command'][:44]:44} median {x['median']*1e3:8.2f} ms   min {x['min']*1e3:8.2f} ms\") for x in r]" "$1"; }
cd "$w/p1"
hyperfine -N --warmup 3 --runs "${RUNS:-50}" --style none --export-json "$w/r.json" \
  -n "devenv rollback (generation toggle)" "$devenv -q rollback" \
  -n "devenv gc --dry-run (200 entries, 20 roots)" "$devenv -q gc --dry-run" >/dev/null 2>&1
json "$w/r.json"
# A real collection: 10 projects deleted, 100 entries to free (measured once, it is destructive).
for p in $(seq 11 20); do rm -rf "$w/p$p"; done
start=$(date +%s%N); "$devenv" -q gc >/dev/null; end=$(date +%s%N)
printf '%-44s %8.2f ms (one run)\n' "devenv gc (frees 100 entries)" "$(echo "($end - $start) / 1000000" | bc -l)"
echo "store entries after gc: $(ls "$DEVENV_HOME/store" | wc -l)"
