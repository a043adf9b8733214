#!/usr/bin/env bash
# Starts `make run` with a fresh var/ directory (SQLite, in-process tasks), logs in as the printed admin,
# fetches /healthz and /shipments/, and stops the server. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

var_dir=$(mktemp -d)
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$var_dir/run.log"
jar="$var_dir/cookies"
base="http://127.0.0.1:$port"

env -u DATABASE_URL -u REDIS_URL HASHPORT_VAR_DIR="$var_dir" PORT="$port" setsid make run >"$log" 2>&1 &
server=$!
cleanup() { kill -- -"$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap cleanup EXIT

for _ in $(seq 1 240); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$log"; echo "make run exited early" >&2; exit 1; }
    sleep 0.5
done
curl -fsS "$base/healthz" | grep -qx ok || { cat "$log"; echo "/healthz did not answer ok" >&2; exit 1; }
echo "/healthz: ok"

login=$(grep -oE 'Admin login: admin / [^ ]+' "$log" | tail -1)
password=${login##* / }
[ -n "$password" ] || { cat "$log"; echo "make run printed no admin login" >&2; exit 1; }

curl -fsS -c "$jar" -b "$jar" "$base/accounts/login/" -o /dev/null
csrf=$(awk '$6 == "csrftoken" {print $7}' "$jar")
curl -fsS -c "$jar" -b "$jar" -o /dev/null -e "$base/accounts/login/" \
    --data-urlencode "csrfmiddlewaretoken=$csrf" --data-urlencode "username=admin" \
    --data-urlencode "password=$password" "$base/accounts/login/"
page=$(curl -fsS -b "$jar" "$base/shipments/")
grep -q "Demo data" <<<"$page" || { echo "/shipments/ did not show the demo ledger" >&2; exit 1; }
grep -qE 'DMO-[0-9]{7}-[0-9]' <<<"$page" || { echo "/shipments/ listed no demo shipment" >&2; exit 1; }
echo "/shipments/ as the printed admin: ok"
