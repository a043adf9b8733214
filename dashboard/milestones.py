"""The milestones of the seizure story (../shared/FACTS.md: The seizures, as reported), seeded by a migration.

Admins edit them afterwards; the seed only adds the rows that are missing.
"""

import datetime

MILESTONES = [
    {
        "date": datetime.date(2024, 11, 25),
        "title": "First Bitmain holds",
        "detail": "First reported holds of Bitmain machines at US ports (San Francisco, Detroit named); "
        "CBP acting at the FCC's request.",
        "source": "Blockspace report, Nov 2024",
    },
    {
        # FACTS.md dates it "2025-01 / 2025-02": the month of the report, not the day the holds began.
        "date": datetime.date(2025, 2, 1),
        "title": "MicroBT and Canaan held too",
        "detail": "Holds extend to MicroBT (Whatsminer) and Canaan (Avalon) in January–February 2025; a notice of "
        "seizure covers about $5M of machines.",
        "source": "Blockspace, Feb 2025",
    },
    {
        "date": datetime.date(2025, 3, 5),
        "title": "First releases",
        "detail": '"Thousands" of machines released; most still in custody; up to ~10,000 machines, >$5M, '
        "detained at the peak.",
        "source": "Reuters, 5 Mar 2025",
    },
]


def ensure_milestones(milestone_model) -> int:
    """Add the seeded milestones that are missing; returns how many it added. Takes the model (migrations)."""
    added = 0
    for row in MILESTONES:
        _, created = milestone_model.objects.get_or_create(date=row["date"], title=row["title"], defaults=row)
        added += created
    return added
