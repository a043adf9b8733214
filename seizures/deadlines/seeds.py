"""The deadline rules Hashport starts with, each from a reading of the statute and marked "verify with counsel".

Loaded by the migration that adds the rules (and by tests that flush the database); an existing rule with the
same code is left as the admins edited it.
"""

COUNSEL = "Seeded from a reading of the statute: verify with counsel before relying on it."

SEEDED_RULES = [
    {
        "code": "detention-decision",
        "name": "Detention decision",
        "starts_with": "arrival",
        "offset_days": 5,
        "day_count": "business",
        "satisfied_by": ["detained", "seized", "released"],
        "citation": "19 USC 1499(c); 19 CFR 151.16",
        "note": (
            "CBP decides to release or detain within 5 days, excluding weekends and holidays, after the merchandise "
            f"is presented for examination (taken here as the arrival date). {COUNSEL}"
        ),
    },
    {
        "code": "deemed-exclusion",
        "name": "Deemed exclusion",
        "starts_with": "arrival",
        "only_if": "detained",
        "offset_days": 30,
        "day_count": "calendar",
        "satisfied_by": ["released", "seized"],
        "citation": "19 USC 1499(c)(5)",
        "note": (
            "Detained merchandise neither released nor seized within 30 days after presentation is treated as "
            f"excluded; the deemed exclusion can be protested. {COUNSEL}"
        ),
    },
    {
        "code": "deemed-exclusion-protest",
        "name": "Protest of a deemed exclusion",
        "starts_with": "rule_missed",
        "after_rule": "deemed-exclusion",
        "offset_days": 180,
        "day_count": "calendar",
        "satisfied_by": ["protest_filed"],
        "lapses_with": ["seized"],
        "citation": "19 USC 1514(c)(3)",
        "note": (
            "A protest is due within 180 days after the deemed exclusion; a seizure ends it (the remedy becomes a "
            f"petition). {COUNSEL}"
        ),
    },
    {
        "code": "petition-for-relief",
        "name": "Petition for relief",
        "starts_with": "seizure_notice",
        "offset_days": 30,
        "day_count": "calendar",
        "satisfied_by": ["petition_filed"],
        "citation": "19 CFR 171.2",
        "note": f"A petition for relief from the forfeiture is due within 30 days of the notice of seizure. {COUNSEL}",
    },
    {
        "code": "forfeiture-claim",
        "name": "Forfeiture claim",
        "starts_with": "forfeiture_notice",
        "offset_days": 20,
        "day_count": "calendar",
        "satisfied_by": ["claim_filed"],
        "citation": "19 USC 1608",
        "note": (
            "A claim (with a cost bond) is due within 20 days of the first publication of the notice of forfeiture; "
            f"record the first publication's date as the notice's event. {COUNSEL}"
        ),
    },
]


def ensure_seeded_rules(rule_model) -> None:
    """Create each seeded rule that is missing (by code); rules already there keep the admins' edits.

    rule_model: DeadlineRule, or its historical version in a migration.
    """
    for seed in SEEDED_RULES:
        fields = {key: value for key, value in seed.items() if key not in ("code", "after_rule")}
        if "after_rule" in seed:
            fields["after_rule"] = rule_model.objects.get(code=seed["after_rule"])
        rule_model.objects.get_or_create(code=seed["code"], defaults={**fields, "verify_with_counsel": True})
