"""Every request gets an id: on the response, on each log line it causes, and one JSON access line per request."""

import json
import logging

import pytest
from django.conf import settings as django_settings

from config.request_log import RequestIdFilter

pytestmark = pytest.mark.django_db


def _formatted(record: logging.LogRecord, formatter_name: str) -> str:
    config = django_settings.LOGGING["formatters"][formatter_name]
    if "()" in config:
        from pythonjsonlogger.json import JsonFormatter

        formatter = JsonFormatter(config["fmt"], rename_fields=config["rename_fields"])
    else:
        formatter = logging.Formatter(config["format"])
    return formatter.format(record)


def _access_records(caplog):
    return [record for record in caplog.records if record.name == "hashport.request"]


def test_each_response_carries_a_new_request_id(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_a_sane_id_from_the_proxy_is_kept_and_a_bad_one_replaced(client):
    assert client.get("/accounts/login/", headers={"x-request-id": "lb-4f2a.9"})["X-Request-ID"] == "lb-4f2a.9"
    replaced = client.get("/accounts/login/", headers={"x-request-id": "bad id\nforged: line"})["X-Request-ID"]
    assert replaced != "bad id\nforged: line"
    assert len(replaced) == 32


def test_the_access_line_is_json_with_the_request_id(client, compliance_user, caplog):
    client.force_login(compliance_user)
    caplog.set_level(logging.INFO, logger="hashport.request")
    caplog.handler.addFilter(RequestIdFilter())  # as on the configured handler: it runs at emit, inside the request
    response = client.get("/shipments/?status=detained", headers={"x-request-id": "trace-1"})

    (record,) = _access_records(caplog)
    line = json.loads(_formatted(record, "json"))
    assert line["request_id"] == "trace-1"
    assert line["logger"] == "hashport.request"
    assert line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/shipments/", response.status_code)
    assert line["user_id"] == compliance_user.pk
    assert line["duration_ms"] >= 0


def test_log_lines_inside_a_request_carry_its_id(client, caplog, monkeypatch):
    seen = []
    original = RequestIdFilter.filter

    def spy(self, record):
        original(self, record)
        seen.append((record.name, record.request_id))
        return True

    monkeypatch.setattr(RequestIdFilter, "filter", spy)
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    logging.getLogger("hashport.request").addHandler(handler)
    try:
        client.get("/accounts/login/", headers={"x-request-id": "trace-2"})
    finally:
        logging.getLogger("hashport.request").removeHandler(handler)
    assert ("hashport.request", "trace-2") in seen
    # Outside a request the id is a dash, not the last request's.
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"


def test_the_text_format_names_the_request_id():
    record = logging.LogRecord("hashport.request", logging.INFO, __file__, 1, "GET / 200", None, None)
    record.request_id = "trace-3"
    assert "[trace-3] GET / 200" in _formatted(record, "text")
