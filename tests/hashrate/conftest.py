"""Fixtures for the dataset tests: real-format payloads, sources pointed at a loopback pytest-httpserver, and a
snapshot of everything a refresh could change."""

from pathlib import Path

import pytest

from hashrate import reference_data
from hashrate.models import CountryShare, CountryShareRevision, NetworkHashrate, NetworkHashrateRevision, Source

PAYLOADS = Path(__file__).resolve().parent / "payloads"
BUNDLED = Path(__file__).resolve().parents[2] / "hashrate" / "data"


def payload(name: str) -> bytes:
    """A test payload from tests/hashrate/payloads/, or a real upstream file shipped in hashrate/data/."""
    path = PAYLOADS / name
    return (path if path.exists() else BUNDLED / name).read_bytes()


@pytest.fixture
def hashrate_reference():
    """Countries, sources and pool headquarters again (transactional tests flush what migrate loaded)."""
    reference_data.ensure_reference_data()


@pytest.fixture
def served(httpserver, hashrate_reference):
    """Point a source at a path of the loopback server: served(slug, path) → the Source."""

    def point(slug: str, path: str) -> Source:
        source = Source.objects.get(slug=slug)
        source.url = httpserver.url_for(path)
        source.save(update_fields=["url"])
        return source

    return point


def dataset_snapshot() -> dict:
    """Everything a refresh may write to the dataset (runs and the source's status excepted)."""
    return {
        "shares": list(
            CountryShare.objects.order_by("pk").values_list(
                "pk", "source_id", "country_id", "period_start", "share_pct", "hashrate_ehs", "retrieved_at"
            )
        ),
        "network": list(
            NetworkHashrate.objects.order_by("pk").values_list("pk", "source_id", "day", "hashrate_ehs", "retrieved_at")
        ),
        "revisions": (CountryShareRevision.objects.count(), NetworkHashrateRevision.objects.count()),
    }


@pytest.fixture
def snapshot():
    return dataset_snapshot
