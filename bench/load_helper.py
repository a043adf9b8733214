"""The Python side of bench/load.sh: the compose web command's gunicorn arguments, the logged-in session the load
runs as, and the closing table and JSON line.

    .venv/bin/python bench/load_helper.py gunicorn-args --port 8123
    .venv/bin/python bench/load_helper.py prepare --out FILE   # render_charts, session cookie, filtered page
    .venv/bin/python bench/load_helper.py report --results FILE [--min-ratio 0.5]

Django logs to stdout, so `prepare` writes what the script needs to a file instead.
"""

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make the repo importable

from bench import _common

COMPOSE_FILE = _common.REPO_ROOT / "docker-compose.yml"
USERNAME = "bench-load"
FILTERED_STATUS = "detained"
ENDPOINTS = [
    "healthz",
    "floor",
    "session_floor",
    "ledger",
    "ledger_filtered",
    "dashboard",
    "chart_json",
    "chart_revalidated",
]


# gunicorn-args


def compose_gunicorn_args(port: int, compose_file: Path = COMPOSE_FILE) -> list[str]:
    """The gunicorn command of the compose web service (`sh -c "migrate && gunicorn …"`), bound to loopback."""
    import yaml

    command = yaml.safe_load(compose_file.read_text())["services"]["web"]["command"]
    words = shlex.split(command) if isinstance(command, str) else list(command)
    if words[:2] == ["sh", "-c"]:
        words = shlex.split(words[2])
    steps, step = [], []
    for word in words:
        if word in ("&&", ";"):
            steps.append(step)
            step = []
        else:
            step.append(word)
    steps.append(step)
    gunicorn = next((step for step in steps if step and step[0] == "gunicorn"), None)
    if gunicorn is None:
        sys.exit(f"no gunicorn command in the web service of {compose_file}: {command!r}")
    args, bound = [], False
    words = iter(gunicorn)
    for word in words:
        if word in ("--bind", "-b"):
            next(words)
            word, bound = f"--bind=127.0.0.1:{port}", True
        elif word.startswith("--bind="):
            word, bound = f"--bind=127.0.0.1:{port}", True
        args.append(word)
    if not bound:
        args.append(f"--bind=127.0.0.1:{port}")
    return args


# prepare


def prepare() -> dict[str, str]:
    """Count the generated data as a change and render the charts, log a Compliance + Executives user in, and pick
    a filtered ledger page.

    generate.py writes behind the services' back, so nothing bumped the data version: without the bump the render
    could reuse aggregates cached for other data. The session is written through the session store, as a login
    would, so the measured requests carry a real session cookie.
    """
    _common.setup_django()
    from importlib import import_module
    from urllib.parse import urlencode

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from dashboard import services
    from seizures import roles
    from seizures.models import Shipment

    _common.require_postgresql("bench/load.sh")
    services.data_version_bump()
    call_command("render_charts")

    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.add(*Group.objects.filter(name__in=[roles.COMPLIANCE, roles.EXECUTIVES]))
    # AxesStandaloneBackend only checks lockouts and loads no user: the session names a backend that does.
    backend = next(
        path
        for path in settings.AUTHENTICATION_BACKENDS
        if getattr(load_backend(path), "get_user", lambda pk: None)(user.pk) is not None
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()

    shipments = Shipment.objects.filter(status=FILTERED_STATUS).order_by("pk")
    importer = shipments.values_list("importer__name", flat=True).first()
    if importer is None:
        sys.exit(f"bench/load.sh: no {FILTERED_STATUS} shipment to filter on: generate more shipments")
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "filtered_path": "/shipments/?" + urlencode({"status": FILTERED_STATUS, "importer": importer}),
    }


# report


def _load_avg_1m() -> float:
    return round(os.getloadavg()[0], 2)


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3) if denominator else 0.0


def report(results: list[dict], min_ratio: float) -> tuple[dict, list[str]]:
    """The table rows' figures and the closing JSON line's, and what failed (empty when the run passed).

    results: the context line load.sh writes first, then one {"endpoint", "path", "figures"} per endpoint, where
    figures is the wrk-figures line of load_report.lua.
    """
    context, *runs = results
    by_name = {run["endpoint"]: run for run in runs}
    missing = [name for name in ENDPOINTS if name not in by_name]
    if missing:
        return {}, [f"no wrk figures for {', '.join(missing)}"]
    figures = dict(context)
    failures = []
    for name in ENDPOINTS:
        run = by_name[name]["figures"]
        errors = run["bad_status"] + run["socket_errors"]
        figures[f"{name}_req_per_s"] = run["req_per_s"]
        figures[f"{name}_p50_ms"] = run["p50_ms"]
        figures[f"{name}_p99_ms"] = run["p99_ms"]
        figures[f"{name}_requests"] = run["requests"]
        figures[f"{name}_errors"] = errors
        if errors:
            statuses = ", ".join(f"{count:,} × {status}" for status, count in sorted(run["bad_statuses"].items()))
            failures.append(
                f"{name}: {errors:,} errors ({statuses or 'no bad status'}; {run['socket_errors']:,} socket errors,"
                f" {run['timeouts']:,} timeouts)"
            )
        if not run["requests"]:
            failures.append(f"{name}: no request answered")
    figures["errors"] = sum(figures[f"{name}_errors"] for name in ENDPOINTS)
    healthz, dashboard = figures["healthz_req_per_s"], figures["dashboard_req_per_s"]
    figures["dashboard_vs_healthz_ratio"] = _ratio(dashboard, healthz)
    # The ceilings: no page serves more than the floor, no logged-in page more than the session floor.
    figures["floor_vs_healthz_ratio"] = _ratio(figures["floor_req_per_s"], healthz)
    figures["session_floor_vs_healthz_ratio"] = _ratio(figures["session_floor_req_per_s"], healthz)
    figures["dashboard_vs_session_floor_ratio"] = _ratio(dashboard, figures["session_floor_req_per_s"])
    figures["load_avg_1m_after"] = _load_avg_1m()
    if figures["dashboard_vs_healthz_ratio"] < min_ratio:
        failures.append(
            f"the dashboard served {figures['dashboard_vs_healthz_ratio']:.3f} of /healthz's throughput"
            f" (target at least {min_ratio})"
        )
    return figures, failures


def print_report(results: list[dict], min_ratio: float) -> int:
    figures, failures = report(results, min_ratio)
    if figures:
        by_name = {run["endpoint"]: run for run in results[1:]}
        rows = [
            (
                name,
                figures[f"{name}_req_per_s"],
                figures[f"{name}_p50_ms"],
                figures[f"{name}_p99_ms"],
                figures[f"{name}_requests"],
                figures[f"{name}_errors"],
                "yes" if by_name[name]["figures"]["threads_stopped_at_bound"] else "",
                by_name[name]["path"],
            )
            for name in ENDPOINTS
        ]
        _common.print_table(
            rows,
            ["endpoint", "req/s", "p50 ms", "p99 ms", "requests", "errors", "bound hit", "path"],
            f"{figures['shipments']:,} shipments, {figures['duration_s']} s per endpoint, "
            f"{figures['connections']} connections; load average {figures['load_avg_1m_before']} before, "
            f"{figures['load_avg_1m_after']} after ({figures['cpus']} CPUs)",
        )
        print(f"dashboard / healthz throughput: {figures['dashboard_vs_healthz_ratio']:.3f} (target >= {min_ratio})")
        print(
            "ceilings / healthz throughput:"
            f" floor (every middleware, no session) {figures['floor_vs_healthz_ratio']:.3f},"
            f" session floor (+ session and user read) {figures['session_floor_vs_healthz_ratio']:.3f};"
            f" dashboard / session floor: {figures['dashboard_vs_session_floor_ratio']:.3f}"
        )
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    if figures:
        _common.print_json_line(figures)
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gunicorn = commands.add_parser("gunicorn-args", help="print the compose gunicorn arguments, one a line")
    gunicorn.add_argument("--port", type=int, required=True)
    prepare_parser = commands.add_parser("prepare", help="render the charts, write the session cookie and page")
    prepare_parser.add_argument("--out", type=Path, required=True, help="file for the name=value lines")
    report_parser = commands.add_parser("report", help="print the table and the JSON line; exit 1 on a failure")
    report_parser.add_argument("--results", type=Path, required=True, help="JSON lines written by load.sh")
    report_parser.add_argument("--min-ratio", type=float, default=0.5, help="dashboard / healthz req/s at least")
    args = parser.parse_args()

    if args.command == "gunicorn-args":
        print("\n".join(compose_gunicorn_args(args.port)))
    elif args.command == "prepare":
        values = prepare()
        args.out.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    else:
        results = [json.loads(line) for line in args.results.read_text().splitlines() if line.strip()]
        sys.exit(print_report(results, args.min_ratio))


if __name__ == "__main__":
    main()
