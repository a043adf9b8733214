from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from config import health

urlpatterns = [
    path("", RedirectView.as_view(url="/shipments/", permanent=False)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/seizures/import/", include("seizures.import_urls")),
    path("admin/", admin.site.urls),
    path("shipments/", include("seizures.urls")),
    path("deadlines/", include("seizures.deadline_urls")),
    path("hashrate/", include("hashrate.urls")),
    path("dashboard/", include("dashboard.urls")),
]
