from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from config import health
from config.changelists import check_every_changelist

check_every_changelist(admin.site)

urlpatterns = [
    path("", RedirectView.as_view(url="/shipments/", permanent=False)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Accounts are made and reset by admins: no self-service password reset, so only these need no login.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/seizures/import/", include("seizures.import_urls")),
    path("admin/", admin.site.urls),
    path("shipments/", include("seizures.urls")),
    path("deadlines/", include("seizures.deadline_urls")),
    path("hashrate/", include("hashrate.urls")),
    path("dashboard/", include("dashboard.urls")),
]
