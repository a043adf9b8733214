"""The offline default: copies of upstream files shipped in hashrate/data/ (see its README for provenance),
loaded on every migrate into the source each comes from, marked bundled. Only missing rows are added, so a
refresh that superseded a bundled figure is never reverted; `make run` shows real (sparse) shares with no network.
"""

import logging
from pathlib import Path

from django.apps import apps as global_apps

from hashrate import reference_data, services
from hashrate.models import Source

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"

# (source slug, file in hashrate/data/)
BUNDLED_FILES = [
    ("cbeci", "cbeci-mining-countries.csv"),
    ("blockchain-com", "blockchain-com-hash-rate.json"),
    ("pool-blocks", "pool-blocks-monthly.csv"),
    ("hashrate-index", "hashrate-index-quarters.csv"),
]


def load_bundled_data() -> int:
    """Reference rows, then each bundled file into its source; returns how many observation rows were added."""
    reference_data.ensure_reference_data()
    added = 0
    for slug, filename in BUNDLED_FILES:
        source = Source.objects.filter(slug=slug).first()
        if source is None:  # an admin deleted it: respect that
            continue
        run = services.source_load_bundled(source=source, payload=(DATA_DIR / filename).read_bytes())
        if run is not None:
            added += run.rows_added
            logger.debug("bundled %s into %s: %s", filename, slug, run.message)
    return added


def on_post_migrate(*, apps=None, using="default", **kwargs) -> None:
    """post_migrate handler (also sent after a flush, without `apps`); skipped when the hashrate tables are not
    (or no longer) there."""
    try:
        (apps or global_apps).get_model("hashrate", "CountryShare")
    except LookupError:
        return
    if using != "default":
        return
    load_bundled_data()
