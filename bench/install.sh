#!/usr/bin/env bash
# Cold install of a 50 MB .tar.gz from a loopback server, devenv vs the plain
# `curl | tar xz` pipeline, and `devenv exec -- true` with everything
# installed. Medians from hyperfine, measured in the same run.
# Usage: bench/install.sh [path/to/devenv]   (default: the build of `cargo xtask dist`)
# Needs: hyperfine, curl, python3.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
devenv=${1:-$(cd "$here" && cargo xtask dist)}
devenv=$(cd "$(dirname "$devenv")" && pwd)/$(basename "$devenv")
w=$(mktemp -d /tmp/devenv-bench.XXXXXX)
trap 'kill "$server" 2>/dev/null || true; chmod -R u+w "$w"; rm -rf "$w"' EXIT

# A 50 MB archive of incompressible data (what real toolchains look like to gzip).
mkdir -p "$w/srv/big-1.0/bin"
head -c $((50 * 1024 * 1024)) /dev/urandom >"$w/srv/big-1.0/data.bin"
printf '#!/bin/sh\necho big\n' >"$w/srv/big-1.0/bin/big"; chmod +x "$w/srv/big-1.0/bin/big"
tar -C "$w/srv" -czf "$w/srv/big.tar.gz" big-1.0
rm -rf "$w/srv/big-1.0"
size=$(stat -c %s "$w/srv/big.tar.gz")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$w/srv" "$port" >/dev/null 2>&1 &
server=$!
sleep 0.5
url="http://127.0.0.1:$port/big.tar.gz"

mkdir -p "$w/proj"
sum=$(sha256sum "$w/srv/big.tar.gz" | cut -d' ' -f1)
printf '[tools]\nbig = { version = "1.0", url = "%s", sha256 = "%s" }\n' "$url" "$sum" >"$w/proj/devenv.toml"
export DEVENV_HOME="$w/home"
"$devenv" -q -C "$w/proj" lock

json() { python3 -c "import json,sys;r=json.load(open(sys.argv[1]))['results'];[print(f\"{x['command'][:40]:40} median {x['median']*1e3:9.2f} ms   min {x['min']*1e3:9.2f} ms\") for x in r];print(f\"ratio (first/second): {r[0]['median']/r[1]['median']:.2f}\") if len(r)>1 else None" "$1"; }

echo "archive: $((size / 1024 / 1024)) MiB from $url; $(nproc) cores"
hyperfine -N --warmup 1 --runs "${RUNS:-10}" --style none --export-json "$w/install.json" \
  --prepare "bash -c 'chmod -R u+w $w/home $w/out 2>/dev/null; rm -rf $w/home/store $w/out; mkdir -p $w/out'" \
  -n "devenv install (cold)" "$devenv -q -C $w/proj install" \
  -n "curl | tar xz" "bash -c 'curl -sSf $url | tar -C $w/out -xz'" >/dev/null
json "$w/install.json"

"$devenv" -q -C "$w/proj" install
cd "$w/proj"
hyperfine -N --warmup 20 --runs "${RUNS_EXEC:-300}" --style none --export-json "$w/exec.json" \
  -n "devenv exec -- true" "$devenv exec -- true" -n "/bin/true (process floor)" "/bin/true" >/dev/null
json "$w/exec.json"
