from django.contrib import admin
from django.urls import path

from seizures import import_views

app_name = "seizures_import"

urlpatterns = [
    path("shipments/", admin.site.admin_view(import_views.import_shipments), name="import_shipments"),
    path("events/", admin.site.admin_view(import_views.import_events), name="import_events"),
]
