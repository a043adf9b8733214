"""The settings bench/load.sh serves with: production's (config.settings), plus the two floor pages of
bench/load_urls.py. Nothing else differs, so every other endpoint measures what production serves."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
