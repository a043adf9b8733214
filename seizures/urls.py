from django.urls import path

from seizures import views

app_name = "seizures"

urlpatterns = [
    path("", views.shipment_list, name="shipment_list"),
    path("<str:entry_number>/", views.shipment_detail, name="shipment_detail"),
]
