"""CSV cells a spreadsheet would run as formulas (OWASP "CSV injection"), shared by every export and import."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST_CHARACTERS = frozenset(FORMULA_STARTS)


def spreadsheet_safe(cell):
    """Text that starts like a formula is prefixed with a quote; anything else is returned as it is."""
    if isinstance(cell, str) and cell and cell[0] in _FORMULA_FIRST_CHARACTERS:
        return "'" + cell
    return cell


def spreadsheet_unescape(value: str) -> str:
    """Undo spreadsheet_safe, so an export re-imports to the same values."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
