from django.dispatch import Signal

# Sent after commit whenever shipments or their events change; dashboard re-renders its charts on it.
ledger_changed = Signal()
