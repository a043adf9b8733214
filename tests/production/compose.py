"""docker-compose.yml, the Dockerfile and .env.example, mapped onto this machine.

A container differs from this machine in names only: the `postgres` and `redis` hosts, the 0.0.0.0:8000 bind, and the
image's /venv and /app paths. Commands and environment are otherwise taken as written, and a container name the
mapping does not know fails the test instead of running something else.
"""

import os
import re
import secrets
import shlex
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
from django.db import connection
from ruamel.yaml import YAML

from tests.production.processes import ROOT, free_port, run

VENV_BIN = Path(sys.executable).parent
CONTAINER_NAMES = re.compile(r"/app\b|/venv\b|:8000\b|\$\{")


def compose() -> dict:
    return YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())


def dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as compose's env_file reads them (no quoting, # comments)."""
    lines = (line.strip() for line in path.read_text().splitlines())
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def _image_stage() -> str:
    """The Dockerfile's final stage (the image that runs), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return text.rsplit("\nFROM ", 1)[1]


def image_env() -> dict[str, str]:
    env = {}
    for line in _image_stage().splitlines():
        if line.startswith("ENV "):
            env |= dict(item.split("=", 1) for item in shlex.split(line.removeprefix("ENV ")))
    return env


def image_build_step(word: str) -> str:
    """The first `&&` step of the image's RUN instruction that mentions `word`."""
    for line in _image_stage().splitlines():
        if line.startswith("RUN ") and word in line:
            return line.removeprefix("RUN ").split("&&")[0].strip()
    raise AssertionError(f"the Dockerfile runs no {word!r}")


def shared_postgres_url(name: str) -> str:
    """A database URL on the PostgreSQL server the tests run on (DATABASE_URL), for database `name`."""
    db = connection.settings_dict
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


class TLSProxy(httpx.BaseTransport):
    """The reverse proxy in front of the web container: TLS ends here and the request goes on over plain HTTP to
    gunicorn, with the Host it came with, X-Forwarded-Proto and X-Forwarded-For."""

    def __init__(self, port: int, client_ip: str = "203.0.113.7"):
        self.port, self.client_ip = port, client_ip
        self.upstream = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers = request.headers.copy()
        headers["X-Forwarded-Proto"] = request.url.scheme
        headers["X-Forwarded-For"] = self.client_ip
        forwarded = httpx.Request(
            request.method,
            request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port),
            headers=headers,
            stream=request.stream,
        )
        return self.upstream.handle_request(forwarded)

    def close(self):
        self.upstream.close()


@dataclass
class Deployment:
    """The compose project on this machine: its services' databases, broker and paths, and the web port."""

    database_url: str  # what the `postgres` service stands for
    redis_url: str  # what the `redis` service stands for
    root: Path  # holds what stands for the container's /app/var, /app/staticfiles and home directory
    web_port: int = field(default_factory=free_port)

    @cached_property
    def paths(self) -> dict[str, str]:
        return {
            "0.0.0.0:8000": f"127.0.0.1:{self.web_port}",
            "127.0.0.1:8000": f"127.0.0.1:{self.web_port}",
            "/app/var": str(self.root / "var"),
            "/app/staticfiles": str(self.root / "staticfiles"),
            "/venv/bin": str(VENV_BIN),
            "$PATH": os.environ["PATH"],
        }

    def swap(self, text: str) -> str:
        for container, here in self.paths.items():
            text = text.replace(container, here)
        assert not CONTAINER_NAMES.search(text), f"the test cannot map {text!r} onto this machine"
        return text

    def _swap_service_url(self, value: str) -> str:
        services = {"postgres": self.database_url, "redis": self.redis_url}
        host = urlsplit(value).hostname
        return services[host] if host in services else self.swap(value)

    def build_environment(self) -> dict[str, str]:
        """What the image's build steps run with: the Dockerfile's ENV only (no .env, no services)."""
        for path in ("var", "staticfiles", "home"):
            (self.root / path).mkdir(parents=True, exist_ok=True)
        env = {"HOME": str(self.root / "home"), "LANG": "C.UTF-8"}
        return env | {key: self.swap(value) for key, value in image_env().items()}

    def environment(self, service: str = "web", **overrides: str) -> dict[str, str]:
        """The service's environment: the image's ENV, then its env_file (.env.example), then its `environment`."""
        config = compose()["services"][service]
        assert config["env_file"] == ".env", "compose reads another env_file: map it here"
        env = self.build_environment() | dotenv(ROOT / ".env.example")
        env |= {key: self._swap_service_url(str(value)) for key, value in config.get("environment", {}).items()}
        return env | overrides

    def command(self, service: str) -> list[str]:
        command = compose()["services"][service]["command"]
        argv = shlex.split(command) if isinstance(command, str) else command
        return [self.swap(arg) for arg in argv]

    def healthcheck(self, service: str) -> list[str]:
        test = compose()["services"][service]["healthcheck"]["test"]
        assert test[0] == "CMD", f"healthcheck form {test[0]} is not mapped"
        return [self.swap(arg) for arg in test[1:]]

    @property
    def public_host(self) -> str:
        return dotenv(ROOT / ".env.example")["ALLOWED_HOSTS"].split(",")[0]

    def url(self, path: str) -> str:
        """A URL of the web container as its own probes reach it (plain HTTP, by address)."""
        return f"http://127.0.0.1:{self.web_port}{path}"

    def client(self) -> httpx.Client:
        """A browser at https://<public host> reaching the web container through the TLS proxy."""
        return httpx.Client(
            base_url=f"https://{self.public_host}", transport=TLSProxy(self.web_port), timeout=10, follow_redirects=True
        )


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def log_in(client: httpx.Client, username: str, password: str) -> httpx.Response:
    """Log in through the login form as a browser does (the form's CSRF token, an Origin header)."""
    form = client.get("/accounts/login/")
    assert form.status_code == 200, form.text
    token = CSRF_FIELD.search(form.text).group(1)
    return client.post(
        "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Origin": str(client.base_url).rstrip("/"), "Referer": str(form.url)},
    )


def create_superuser(env: dict[str, str], username: str = "ops") -> str:
    """`manage.py createsuperuser` as an operator runs it in the web container; returns the password."""
    password = secrets.token_urlsafe(16)
    run(
        ["python", "manage.py", "createsuperuser", "--no-input", "--username", username, "--email", "ops@example.com"],
        env=env | {"DJANGO_SUPERUSER_PASSWORD": password},
    )
    return password
