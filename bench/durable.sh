#!/usr/bin/env bash
# What durability costs: a cold install of an archive of many small files
# (3000 files in 60 directories, about the shape of a Node.js toolchain),
# where every file and directory of the tree is fsynced before the commit
# rename. Compares two devenv binaries (e.g. before and after) in one run;
# medians from hyperfine.
# Usage: bench/durable.sh NEW_DEVENV [OLD_DEVENV]
# Needs: hyperfine, python3.
set -euo pipefail
new=$(realpath "$1")
old=${2:+$(realpath "$2")}
w=$(mktemp -d /tmp/devenv-durable.XXXXXX)
trap 'kill "$server" 2>/dev/null || true; chmod -R u+w "$w"; rm -rf "$w"' EXIT

mkdir -p "$w/srv/many-1.0/bin"
for d in $(seq 1 60); do
  mkdir -p "$w/srv/many-1.0/lib/d$d"
  for f in $(seq 1 50); do
    head -c 2048 /dev/urandom >"$w/srv/many-1.0/lib/d$d/f$f.js"
  done
done
printf '#!/bin/sh\necho many\n' >"$w/srv/many-1.0/bin/many"; chmod +x "$w/srv/many-1.0/bin/many"
tar -C "$w/srv" -czf "$w/srv/many.tar.gz" many-1.0
rm -rf "$w/srv/many-1.0"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$w/srv" "$port" >/dev/null 2>&1 &
server=$!
sleep 0.5
url="http://127.0.0.1:$port/many.tar.gz"
mkdir -p "$w/proj"
sum=$(sha256sum "$w/srv/many.tar.gz" | cut -d' ' -f1)
printf '[tools]\nmany = { version = "1.0", url = "%s", sha256 = "%s" }\n' "$url" "$sum" >"$w/proj/devenv.toml"
export DEVENV_HOME="$w/home"
"$new" -q -C "$w/proj" lock

args=(-n "new: install (cold)" "$new -q -C $w/proj install")
[ -n "$old" ] && args+=(-n "old: install (cold)" "$old -q -C $w/proj install")
echo "3000 files of 2 KiB; $(nproc) cores; $(df -T "$w" | awk 'NR==2 {print $2}') file system"
hyperfine -N --warmup 1 --runs "${RUNS:-10}" --style none --export-json "$w/r.json" \
  --prepare "bash -c 'chmod -R u+w $w/home/store 2>/dev/null; rm -rf $w/home/store'" \
  "${args[@]}" >/dev/null
python3 -c "import json,sys;r=json.load(open(sys.argv[1]))['results'];[print(f\"{x['command'][:24]:24} median {x['median']*1e3:9.1f} ms\") for x in r];print(f\"ratio new/old: {r[0]['median']/r[1]['median']:.2f}\") if len(r)>1 else None" "$w/r.json"
