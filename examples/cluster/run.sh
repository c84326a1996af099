#!/usr/bin/env bash
# Two Switchboard instances + Redis + HAProxy on one machine: open http://127.0.0.1:8080/ (Ctrl-C stops all).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
BUN=${BUN:-$ROOT/node_modules/.bin/bun}
export LB_PORT=${LB_PORT:-8080} PORT_A=${PORT_A:-3001} PORT_B=${PORT_B:-3002}
REDIS_PORT=${REDIS_PORT:-6390}
DATA=${DATA:-$PWD/data}

need() { command -v "$1" >/dev/null || { echo "$1 is not installed: sudo apt-get install $2" >&2; exit 1; }; }
need redis-server redis-server
need haproxy haproxy
[ -x "$BUN" ] || { echo "bun not found at $BUN: run npm ci in $ROOT" >&2; exit 1; }
mkdir -p "$DATA"

pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

# The stream is the only full copy of the log: Redis keeps it on disk (append-only file).
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$DATA" --appendonly yes --save '' >"$DATA/redis.log" 2>&1 &
pids+=($!)
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

# Each instance its own SQLite file (its copy of the stream); the demo swarm on one of them only.
# (Run from the repository: Bun reads its tsconfig for the views' JSX.)
instance() { (cd "$ROOT" && PORT=$2 SWITCHBOARD_DB="$DATA/$1.db" exec "$BUN" run src/main.ts "${@:3}") > >(sed -u "s/^/[$1] /") 2>&1 & }
instance a "$PORT_A"
pids+=($!)
instance b "$PORT_B" --no-demo
pids+=($!)
for i in 1 2; do
  port=$([ "$i" = 1 ] && echo "$PORT_A" || echo "$PORT_B")
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do
    kill -0 "${pids[$i]}" 2>/dev/null || { echo "instance on $port did not start" >&2; exit 1; }
    sleep 0.2
  done
done

haproxy -f "$PWD/haproxy.cfg" -db &
pids+=($!)
echo "Switchboard: http://127.0.0.1:$LB_PORT/ (instances on $PORT_A and $PORT_B, Redis on $REDIS_PORT; Ctrl-C stops all)"
wait -n
