#!/usr/bin/env bash
# Team cache overhead: a cold install of a polyglot-sized lock from a
# loopback OCI registry (Debian's docker-registry) against a cold install
# of the same files from a loopback plain HTTP server, plus the time of a
# `devenv cache push` into an empty repository. Medians from hyperfine.
#
# The lock is a synthetic equivalent of examples/polyglot's for one
# platform: four artifacts of the sizes of its linux-x86_64 downloads
# (node and zig wheels, ruff wheel, prettier tarball), random and so
# incompressible, each unpacked and hashed like the real ones.
# Usage: bench/cache.sh [path/to/devenv]   (default: the build of `cargo xtask dist`)
# Needs: hyperfine, python3, docker-registry, zip.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
devenv=${1:-$(cd "$here" && cargo xtask dist)}
devenv=$(cd "$(dirname "$devenv")" && pwd)/$(basename "$devenv")
for tool in hyperfine python3 docker-registry zip; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
w=$(mktemp -d /tmp/devenv-bench-cache.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; chmod -R u+w "$w"; rm -rf "$w"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# name  size (MiB)  format
artifacts="node 59 zip
zig 47 zip
ruff 11 zip
prettier 3 tgz"
mkdir -p "$w/srv" "$w/proj"
http_port=$(port)
manifest="[tools]"$'\n'
while read -r name mib format; do
  d="$w/build/$name-1.0"
  mkdir -p "$d/bin"
  head -c $((mib * 1024 * 1024)) /dev/urandom >"$d/payload.bin"
  printf '#!/bin/sh\necho %s\n' "$name" >"$d/bin/$name"; chmod +x "$d/bin/$name"
  if [ "$format" = zip ]; then
    file="$name-1.0.zip"; (cd "$w/build" && zip -q -0 -r "$w/srv/$file" "$name-1.0")
  else
    file="$name-1.0.tgz"; tar -C "$w/build" -czf "$w/srv/$file" "$name-1.0"
  fi
  sum=$(sha256sum "$w/srv/$file" | cut -d' ' -f1)
  manifest+="$name = { version = \"1.0\", url = \"http://127.0.0.1:$http_port/$file\", sha256 = \"$sum\" }"$'\n'
done <<<"$artifacts"
rm -rf "$w/build"
python3 -m http.server --bind 127.0.0.1 --directory "$w/srv" "$http_port" >/dev/null 2>&1 &
pids+=($!)

reg_port=$(port)
cat >"$w/registry.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $w/registry
http:
  addr: 127.0.0.1:$reg_port
  secret: bench
YML
docker-registry serve "$w/registry.yml" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$reg_port/v2/')" 2>/dev/null && break
  sleep 0.1
done

printf '%s' "$manifest" >"$w/proj/devenv.toml"
export DEVENV_HOME="$w/home"
cache="oci://127.0.0.1:$reg_port/bench/cache"
DEVENV_CACHES="" "$devenv" -q -C "$w/proj" lock
DEVENV_CACHES="$cache" "$devenv" -q -C "$w/proj" cache push
total=$(du -cb "$w"/srv/* | tail -1 | cut -f1)

json() { python3 -c "import json,sys;r=json.load(open(sys.argv[1]))['results'];[print(f\"{x['command'][:44]:44} median {x['median']*1e3:9.1f} ms   min {x['min']*1e3:9.1f} ms\") for x in r];print(f\"ratio (first/second): {r[0]['median']/r[1]['median']:.2f}\") if len(r)>1 else None" "$1"; }

echo "4 artifacts, $((total / 1024 / 1024)) MiB, loopback; $(nproc) cores"
clean="bash -c 'chmod -R u+w $w/home 2>/dev/null; rm -rf $w/home'"
hyperfine -N --warmup 1 --runs "${RUNS:-10}" --style none --export-json "$w/install.json" \
  --prepare "$clean" \
  -n "install from the registry cache (cold)" "env DEVENV_CACHES=$cache $devenv -q -C $w/proj install" \
  -n "install from plain HTTP (cold)" "env DEVENV_CACHES= $devenv -q -C $w/proj install" >/dev/null
json "$w/install.json"

# Each push goes to a new, empty repository, so every blob is uploaded.
echo 0 >"$w/n"
push="bash -c 'n=\$(cat $w/n); echo \$((n + 1)) >$w/n; DEVENV_CACHES=oci://127.0.0.1:$reg_port/bench/push\$n exec $devenv -q -C $w/proj cache push'"
DEVENV_CACHES="" "$devenv" -q -C "$w/proj" install
hyperfine -N --warmup 1 --runs "${RUNS:-10}" --style none --export-json "$w/push.json" \
  -n "cache push (empty repository)" "$push" \
  -n "cache push (nothing to upload)" "env DEVENV_CACHES=$cache $devenv -q -C $w/proj cache push" >/dev/null
json "$w/push.json"
