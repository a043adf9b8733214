from django.urls import path

from seizures import views

app_name = "seizures"

urlpatterns = [
    path("", views.shipment_list, name="shipment_list"),
    path("export.csv", views.shipment_export, name="shipment_export"),
    path("<str:entry_number>/", views.shipment_detail, name="shipment_detail"),
]
