import pytest

from seizures.entry_numbers import normalise_entry_number
from seizures.errors import LedgerError


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("ABC-1234567-8", "ABC-1234567-8"), ("abc12345678", "ABC-1234567-8"), (" 9A1-0000001-0 ", "9A1-0000001-0")],
)
def test_entry_numbers_are_normalised_to_the_dashed_form(raw, normalised):
    assert normalise_entry_number(raw) == normalised


@pytest.mark.parametrize("raw", ["", "AB-1234567-8", "ABC-123456-8", "ABC-1234567-88", "ABC_1234567_8"])
def test_malformed_entry_numbers_are_refused(raw):
    with pytest.raises(LedgerError, match="is not a CBP entry number"):
        normalise_entry_number(raw)
