from django.urls import path

from seizures import deadline_views

app_name = "deadlines"

urlpatterns = [
    path("", deadline_views.deadline_list, name="list"),
    path("export.csv", deadline_views.deadline_export, name="export"),
    path("calendar.ics", deadline_views.deadline_calendar, name="calendar"),
    path("calendar/", deadline_views.calendar_subscription, name="calendar_subscription"),
]
