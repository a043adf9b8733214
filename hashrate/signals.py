from django.dispatch import Signal

# Sent after commit whenever a refresh adds or changes rows, with `source` (the Source) and `rows_added`,
# `rows_changed`; dashboard re-renders its charts on it. hashrate never imports dashboard.
dataset_changed = Signal()
