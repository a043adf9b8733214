"""django-simple-history's admin with its history read-only.

Its past-version page can save ("revert") on POST with only view permission, and it saves through save_model alone,
skipping what a change page runs after (a shipment's custody recompute). History is for reading: a past value is
put back on the change page, through the same checks and services as any edit.
"""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("History is read-only: change the record on its change page.")
        return super().history_form_view(request, object_id, version_id, extra_context)
