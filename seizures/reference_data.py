"""Reference data with its sources (../shared/FACTS.md): makers, their models' published specs, CBP ports.

Loaded by a data migration and by load_reference_data; existing rows are left as admins edited them.
"""

from decimal import Decimal

SPEC_SOURCE = "manufacturer's published specs"

MANUFACTURERS = [
    {"name": "Bitmain", "country": "CN"},
    {"name": "MicroBT", "country": "CN"},
    {"name": "Canaan", "country": "CN"},
]

# (model, maker, TH/s, W, chip vendor)
MINER_MODELS = [
    ("Antminer S21", "Bitmain", "200", 3500, "Sophgo"),
    ("Antminer S21 Pro", "Bitmain", "234", 3531, "Sophgo"),
    ("Antminer S21 XP", "Bitmain", "270", 3645, "Sophgo"),
    ("Antminer T21", "Bitmain", "190", 3610, "Sophgo"),
    ("Whatsminer M60S", "MicroBT", "186", 3420, ""),
    ("Whatsminer M66S", "MicroBT", "298", 5348, ""),
    ("Avalon A1466", "Canaan", "150", 3230, ""),
    ("Avalon A1566", "Canaan", "185", None, ""),
]

SCHEDULE_D = "CBP Schedule D (Annex C of the HTSUS)"

# (code, name, state, source). Only codes we can cite; admins add more.
PORTS = [
    ("2809", "San Francisco", "CA", f"{SCHEDULE_D}; named in the Blockspace report of Nov 2024"),
    ("3801", "Detroit", "MI", f"{SCHEDULE_D}; named in the Blockspace report of Nov 2024"),
    ("2704", "Los Angeles", "CA", SCHEDULE_D),
    ("2709", "Long Beach", "CA", SCHEDULE_D),
    ("2720", "Los Angeles International Airport", "CA", SCHEDULE_D),
    ("1001", "New York", "NY", SCHEDULE_D),
    ("3901", "Chicago", "IL", SCHEDULE_D),
    ("5301", "Houston", "TX", SCHEDULE_D),
    ("3001", "Seattle", "WA", SCHEDULE_D),
]


def ensure_reference_data(manufacturer_model, miner_model_model, port_model) -> int:
    """Create what is missing; returns how many rows were created. Takes model classes so migrations can call it."""
    created = 0
    makers = {}
    for row in MANUFACTURERS:
        makers[row["name"]], was_created = manufacturer_model.objects.get_or_create(
            name=row["name"], defaults={"country": row["country"]}
        )
        created += was_created
    for name, maker, ths, watts, chip in MINER_MODELS:
        _, was_created = miner_model_model.objects.get_or_create(
            name=name,
            defaults={
                "manufacturer": makers[maker],
                "hashrate_ths": Decimal(ths),
                "power_w": watts,
                "chip_vendor": chip,
                "spec_source": SPEC_SOURCE,
            },
        )
        created += was_created
    for code, name, state, source in PORTS:
        _, was_created = port_model.objects.get_or_create(
            code=code, defaults={"name": name, "state": state, "source": source}
        )
        created += was_created
    return created
