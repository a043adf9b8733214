from django.urls import path

from hashrate import views

app_name = "hashrate"

urlpatterns = [
    path("", views.browser, name="browser"),
    path("export.csv", views.export, name="export"),
]
