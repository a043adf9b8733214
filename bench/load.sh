#!/usr/bin/env bash
# Load test: gunicorn as docker-compose.yml runs it, on loopback, against N generated shipments, driven by wrk.
#
#   DATABASE_URL=postgres://… REDIS_URL=redis://… bench/load.sh --shipments 1000000 [--duration 60]
#
# Migrates, generates the shipments unless the database holds exactly N (bench/generate.py), renders the charts,
# starts the compose web command's gunicorn on 127.0.0.1 with the production settings of .env.example (DEBUG off,
# SECURE_HTTPS on), logs a Compliance + Executives user in, then runs wrk for --duration seconds on each of
# /healthz, two floors, the ledger, a filtered ledger page, the dashboard, a chart's JSON and the same chart
# revalidated (its ETag sent back: a 304), sending the session cookie and the headers the TLS proxy adds. Each
# endpoint stops at --requests requests (bench/load_report.lua). The floors are pages that do nothing
# (bench/load_urls.py), to show how fast a page can be: the floor passes every middleware without a session, the
# session floor also reads the session and the user, as every logged-in page must. The server runs
# bench/load_settings.py: production's settings plus those two pages.
# Prints a table, then one JSON line; exits non-zero on any error (a status other than the expected one, a socket
# error or a timeout) or when the dashboard serves less than --min-ratio of /healthz's requests per second.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
shipments=1000000
duration=60
connections=8
threads=2
max_requests=200000
min_ratio=0.5

usage() {
    sed -n '2,16s/^# \{0,1\}//p' "$0"
    cat <<EOF

Options:
  --shipments N     generated shipments to run on (default $shipments)
  --duration S      seconds of load per endpoint (default $duration)
  --connections N   concurrent connections (default $connections)
  --threads N       wrk threads (default $threads)
  --requests N      at most N requests per endpoint, 0 for no bound (default $max_requests)
  --min-ratio R     the dashboard's req/s must be at least R × /healthz's (default $min_ratio)
EOF
}

die() { echo "bench/load.sh: $*" >&2; exit 1; }
step() { printf '\n==> %s\n' "$*"; }
integer() { [[ $2 =~ ^[0-9]+$ ]] || die "$1 takes a whole number, not '$2'"; }

while [ $# -gt 0 ]; do
    case $1 in
        --shipments) integer "$1" "${2:-}"; shipments=$2; shift 2 ;;
        --duration) integer "$1" "${2:-}"; duration=$2; shift 2 ;;
        --connections) integer "$1" "${2:-}"; connections=$2; shift 2 ;;
        --threads) integer "$1" "${2:-}"; threads=$2; shift 2 ;;
        --requests) integer "$1" "${2:-}"; max_requests=$2; shift 2 ;;
        --min-ratio) [[ ${2:-} =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--min-ratio takes a number"; min_ratio=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[ "$max_requests" -eq 0 ] || [ "$max_requests" -ge "$threads" ] || die "--requests must be 0 or at least --threads ($threads)"
case ${DATABASE_URL:-} in
    postgres://* | postgresql://* | pgsql://*) ;;
    *) die "set DATABASE_URL=postgres://USER@HOST:5432/DBNAME: the figures mean nothing on SQLite" ;;
esac
[ -n "${REDIS_URL:-}" ] || die "set REDIS_URL=redis://HOST:6379/N: production caches and queues in Redis"

# The environment .env.example gives production. The session is written with the same SECRET_KEY the server uses.
export DEBUG=0 SECURE_HTTPS=1 ALLOWED_HOSTS=127.0.0.1,localhost
SECRET_KEY=${SECRET_KEY:-$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')}
export SECRET_KEY

if ! command -v wrk >/dev/null; then
    step "Installing wrk"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi

work=$(mktemp -d)
server=
stop_server() {  # quick shutdown (QUIT): no need to finish the requests wrk abandoned when it stopped
    [ -n "$server" ] || return 0
    kill -QUIT -- -"$server" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$server" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL -- -"$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "Migrations"
$PY manage.py migrate --no-input

step "$shipments shipments"
$PY bench/generate.py --shipments "$shipments"

step "Charts (render_charts) and a session"
$PY bench/load_helper.py prepare --out "$work/prepared"
cookie=$(sed -n 's/^cookie=//p' "$work/prepared")
filtered_path=$(sed -n 's/^filtered_path=//p' "$work/prepared")

port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
gunicorn_args=$($PY bench/load_helper.py gunicorn-args --port "$port")
mapfile -t gunicorn_args <<<"$gunicorn_args"
step "Starting ${gunicorn_args[*]}"
# Its own session (process group), so stopping it stops its workers too.
DJANGO_SETTINGS_MODULE=bench.load_settings setsid .venv/bin/"${gunicorn_args[0]}" "${gunicorn_args[@]:1}" >"$work/gunicorn.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/gunicorn.log"; die "gunicorn exited"; }
    sleep 0.2
done
curl -fsS -o /dev/null "$base/healthz" || { tail -50 "$work/gunicorn.log"; die "/healthz did not answer"; }

# What the TLS proxy in front of production sends; the session (all but the floor): the load measures pages, not
# redirects.
proxy_headers=(-H "X-Forwarded-Proto: https" -H "X-Forwarded-For: 127.0.0.1")
chart=/dashboard/charts/custody-vs-share.json
etag=$(curl -sS -o /dev/null -D - "${proxy_headers[@]}" -H "Cookie: $cookie" "$base$chart" |
    sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' | tr -d '\r')
[ -n "$etag" ] || die "GET $chart sent no ETag"
# name, expected status, session or anonymous, extra header (or -, no spaces: "Name:value"), path
endpoints=(
    "healthz 200 session - /healthz"
    "floor 200 anonymous - /bench/floor/"
    "session_floor 200 session - /bench/floor/session/"
    "ledger 200 session - /shipments/"
    "ledger_filtered 200 session - $filtered_path"
    "dashboard 200 session - /dashboard/"
    "chart_json 200 session - $chart"
    "chart_revalidated 304 session If-None-Match:$etag $chart"
)
# Sets name, expected, path and headers from one entry of endpoints (wrk takes a header only as "Name: value").
read_endpoint() {
    local who extra
    read -r name expected who extra path <<<"$1"
    headers=("${proxy_headers[@]}")
    [ "$who" = anonymous ] || headers+=(-H "Cookie: $cookie")
    [ "$extra" = - ] || headers+=(-H "${extra/:/: }")
}
for endpoint in "${endpoints[@]}"; do
    read_endpoint "$endpoint"
    status=$(curl -sS -o /dev/null -w '%{http_code}' "${headers[@]}" "$base$path")
    [ "$status" = "$expected" ] || {
        tail -20 "$work/gunicorn.log"
        die "GET $path ($name) answered $status, not $expected (a 302 means the session was refused)"
    }
done

read -r load_before _ </proc/loadavg
printf '{"shipments": %d, "duration_s": %s, "connections": %d, "threads": %d, "max_requests": %d, "load_avg_1m_before": %s, "cpus": %d}\n' \
    "$shipments" "$duration" "$connections" "$threads" "$max_requests" "$load_before" "$(nproc)" >"$work/results.jsonl"
for endpoint in "${endpoints[@]}"; do
    read_endpoint "$endpoint"
    step "wrk $path ($name) for $duration s"
    wrk --threads "$threads" --connections "$connections" --duration "${duration}s" --timeout 10s \
        --script bench/load_report.lua "${headers[@]}" "$base$path" \
        -- "$max_requests" "$threads" "$expected" >"$work/$name.txt"
    figures=$(sed -n 's/^wrk-figures //p' "$work/$name.txt")
    [ -n "$figures" ] || { cat "$work/$name.txt"; die "wrk printed no figures for $path"; }
    grep -E '^ *(Latency|[0-9]+ requests in|Requests/sec|Socket errors|Non-2xx)' "$work/$name.txt" || true
    printf '{"endpoint": "%s", "path": "%s", "figures": %s}\n' "$name" "$path" "$figures" >>"$work/results.jsonl"
done
stop_server

$PY bench/load_helper.py report --results "$work/results.jsonl" --min-ratio "$min_ratio"
