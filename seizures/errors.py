class LedgerError(ValueError):
    """A write the ledger refuses; the message says what to change."""
