#!/usr/bin/env bash
# The embedded default behind `make run`: SQLite under var/ and in-process tasks unless DATABASE_URL/REDIS_URL
# are set. Migrates, loads reference + demo data once, prints the admin login, serves http://127.0.0.1:$PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
export DEBUG="${DEBUG:-1}"
export LOG_FORMAT="${LOG_FORMAT:-text}"

var_dir="${HASHPORT_VAR_DIR:-var}"
mkdir -p "$var_dir"
# The demo loads once per database: a fresh embedded database starts with it again.
if [ -z "${DATABASE_URL:-}" ] && [ ! -f "$var_dir/hashport.sqlite3" ]; then
    rm -f "$var_dir/demo-data-loaded"
fi

echo "[1/4] Migrating the database (reference data and roles included)"
$PY manage.py migrate --no-input
if [ -f "$var_dir/demo-data-loaded" ]; then
    echo "[2/4] Demo data was loaded on an earlier start (remove it with: manage.py load_demo_data --remove)"
else
    echo "[2/4] Loading demo data (once; remove it with: manage.py load_demo_data --remove)"
    $PY manage.py load_demo_data && touch "$var_dir/demo-data-loaded"
fi
echo "[3/4] Admin account"
$PY manage.py create_local_admin

worker_pid=""
if [ -n "${REDIS_URL:-}" ]; then
    echo "[4/4] Starting a Celery worker with beat against $REDIS_URL"
    .venv/bin/celery -A config worker --beat --loglevel INFO --concurrency 2 \
        --without-gossip --without-mingle --without-heartbeat &
    worker_pid=$!
    trap '[ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null' EXIT
else
    echo "[4/4] REDIS_URL unset: Celery tasks run in-process"
fi
echo "Serving Hashport on http://127.0.0.1:$PORT/ (Ctrl-C stops)"
$PY manage.py runserver "127.0.0.1:$PORT" --noreload
