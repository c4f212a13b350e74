#!/usr/bin/env bash
# test-servers.sh install | start DIR | stop DIR: real throwaway servers for the storage tests.
#   - s3s-fs (S3-compatible, Apache-2.0), built with cargo into the tools cache.
#   - SecantusDB (MongoDB wire protocol, GPL): pip-installed into a venv in the tools cache at
#     test time only; it is never vendored into this repository.
# Both listen on 127.0.0.1 on free random ports. `start` prints only `export NAME=value` lines:
#   scripts/test-servers.sh install
#   dir=$(mktemp -d); eval "$(scripts/test-servers.sh start "$dir")"; ...; scripts/test-servers.sh stop "$dir"
# Tools cache: $ANYPORT_TOOLS_CACHE, default ~/.cache/anyport/tools.
set -euo pipefail
CACHE=${ANYPORT_TOOLS_CACHE:-$HOME/.cache/anyport/tools}
S3S_BIN=$CACHE/s3s-fs/bin/s3s-fs
VENV=$CACHE/secantus-venv
SECANTUS_VERSION=0.7.0b3   # only pre-releases exist on PyPI; pinned so test runs are reproducible
S3_KEY=anyport-test S3_SECRET=anyport-test-secret
usage() { echo "usage: $0 install | start DIR | stop DIR" >&2; exit 2; }

# stop_dir DIR: stop the servers whose PIDs are recorded in DIR (by PID only): TERM, then
# KILL whatever is still running after 15 s (secantus takes a few seconds to shut down).
stop_dir() {
  local pids=() f p alive
  for f in "$1"/s3s-fs.pid "$1"/secantus.pid; do
    if [ -f "$f" ]; then pids+=("$(cat "$f")"); rm -f "$f"; fi
  done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 150); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_port PORT PID NAME: poll the TCP port for up to 30 s; fail early if the process died.
wait_port() {
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { echo "$3 exited during startup; see its log" >&2; return 1; }
    sleep 0.1
  done
  echo "$3 did not listen on port $1 within 30 s" >&2; return 1
}

case ${1:-} in
  install)
    mkdir -p "$CACHE"
    if [ ! -x "$S3S_BIN" ]; then
      CARGO_TARGET_DIR="$CACHE/s3s-fs-build" cargo install s3s-fs --version 0.14.1 \
        --features binary --locked --root "$CACHE/s3s-fs" >&2
    fi
    if ! { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import secantus' 2>/dev/null; }; then
      python3 -m venv "$VENV"
      "$VENV/bin/pip" install --quiet --disable-pip-version-check "secantusdb==$SECANTUS_VERSION" >&2
    fi
    ;;
  start)
    dir=${2:-}; [ -n "$dir" ] || usage
    [ -x "$S3S_BIN" ] && [ -x "$VENV/bin/python" ] || { echo "run '$0 install' first" >&2; exit 1; }
    mkdir -p "$dir/s3root"
    s3_port=$(free_port)
    "$S3S_BIN" --host 127.0.0.1 --port "$s3_port" --access-key "$S3_KEY" --secret-key "$S3_SECRET" \
      "$dir/s3root" >"$dir/s3s-fs.log" 2>&1 </dev/null &
    echo $! >"$dir/s3s-fs.pid"
    mongo_port=$(free_port)
    : >"$dir/secantusd.toml"   # an explicit empty config: no auto-discovery of ./ ~/.secantus /etc
    TMPDIR=$dir "$VENV/bin/python" -m secantus --config "$dir/secantusd.toml" --host 127.0.0.1 --port "$mongo_port" \
      --storage-path :memory: >"$dir/secantus.log" 2>&1 </dev/null &
    echo $! >"$dir/secantus.pid"
    wait_port "$s3_port" "$(cat "$dir/s3s-fs.pid")" s3s-fs &&
      wait_port "$mongo_port" "$(cat "$dir/secantus.pid")" secantus || { stop_dir "$dir"; exit 1; }
    echo "export TEST_S3_ENDPOINT=http://127.0.0.1:$s3_port"
    echo "export TEST_S3_ACCESS_KEY=$S3_KEY"
    echo "export TEST_S3_SECRET_KEY=$S3_SECRET"
    echo "export TEST_S3_REGION=us-east-1"
    echo "export TEST_MONGODB_URI='mongodb://127.0.0.1:$mongo_port/?directConnection=true'"
    # pymongo comes with SecantusDB: the GridFS compatibility tests write buckets with it.
    echo "export TEST_PYMONGO_PYTHON=$VENV/bin/python"
    printf 'export TEST_S3_ROOT=%q\n' "$dir/s3root"
    ;;
  stop)
    dir=${2:-}; [ -n "$dir" ] || usage
    stop_dir "$dir"
    ;;
  *) usage ;;
esac
