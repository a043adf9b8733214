"""Fetching one source over HTTP: timeouts, a size cap, a User-Agent, and conditional GET (ETag/Last-Modified).

Timeouts and the cap are read from settings when set (HASHRATE_CONNECT_TIMEOUT_S, HASHRATE_READ_TIMEOUT_S,
HASHRATE_MAX_PAYLOAD_BYTES), so an operator can change them without code.
"""

from dataclasses import dataclass

import httpx
from django.conf import settings

from hashrate.errors import PayloadRefused, UpstreamError, UpstreamUnavailable

USER_AGENT = "Hashport/0.1 (hashrate dataset refresh)"
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0
MAX_PAYLOAD_BYTES = 20 * 1024 * 1024
RETRY_STATUSES = {408, 425, 429}


@dataclass(frozen=True)
class Fetched:
    not_modified: bool
    body: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""


def _setting(name: str, default):
    return getattr(settings, name, default)


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    """GET the URL, sending the validators of the last stored payload; 304 comes back as not_modified."""
    timeout = httpx.Timeout(
        connect=_setting("HASHRATE_CONNECT_TIMEOUT_S", CONNECT_TIMEOUT_S),
        read=_setting("HASHRATE_READ_TIMEOUT_S", READ_TIMEOUT_S),
        write=10.0,
        pool=5.0,
    )
    cap = _setting("HASHRATE_MAX_PAYLOAD_BYTES", MAX_PAYLOAD_BYTES)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json, text/csv;q=0.9, */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=5) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            return _read(response, cap)
    except httpx.TimeoutException as error:
        raise UpstreamUnavailable(f"timed out: {type(error).__name__} fetching {url}") from error
    except httpx.TransportError as error:
        # Connection refused, reset, or a body shorter than its Content-Length (RemoteProtocolError).
        raise UpstreamUnavailable(f"{type(error).__name__} fetching {url}: {error}") from error


def _read(response: httpx.Response, cap: int) -> Fetched:
    status = response.status_code
    if status == 304:
        return Fetched(not_modified=True)
    if status >= 500 or status in RETRY_STATUSES:
        raise UpstreamUnavailable(f"HTTP {status} from {response.url}")
    if status >= 400:
        raise UpstreamError(f"HTTP {status} from {response.url}")
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise PayloadRefused(f"the payload is {int(declared):,} bytes, more than the {cap:,}-byte cap")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise PayloadRefused(f"the payload passed the {cap:,}-byte cap")
        chunks.append(chunk)
    return Fetched(
        not_modified=False,
        body=b"".join(chunks),
        content_type=response.headers.get("Content-Type", "").split(";")[0].strip().lower(),
        etag=response.headers.get("ETag", ""),
        last_modified=response.headers.get("Last-Modified", ""),
    )
