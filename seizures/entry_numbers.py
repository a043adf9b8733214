"""CBP entry numbers: a three-character filer code, a seven-digit serial and a check digit (ABC-1234567-8)."""

import re

from seizures.errors import LedgerError

_ENTRY_NUMBER = re.compile(r"^([A-Z0-9]{3})-?(\d{7})-?(\d)$", re.ASCII)


def normalise_entry_number(value: str) -> str:
    """Return the entry number in its dashed form, or raise LedgerError saying what is wrong."""
    cleaned = (value or "").strip().upper().replace(" ", "")
    match = _ENTRY_NUMBER.match(cleaned)
    if not match:
        raise LedgerError(
            f"{value!r} is not a CBP entry number: expected a 3-character filer code, 7 digits and a check digit, "
            "like ABC-1234567-8"
        )
    return "-".join(match.groups())
