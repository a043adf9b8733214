from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("charts/<slug:slug>.json", views.chart_json, name="chart_json"),
    path("charts/<slug:slug>.csv", views.chart_csv, name="chart_csv"),
]
