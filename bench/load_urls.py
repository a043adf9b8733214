"""Hashport's URLs plus two pages that do nothing, so bench/load.sh can show how fast a page can possibly be.

The floor answers "ok" after every middleware production runs (security headers, CSP, sessions, CSRF, login, axes,
request log): no page can serve more requests than it. The session floor is the same answer behind the login:
its request reads the session and the user, as every logged-in page must. Served by the load bench only.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as hashport_urlpatterns


def _ok():
    return HttpResponse("ok", content_type="text/plain")


@login_not_required  # marks the function itself: the session floor needs a function of its own
def floor(request):
    return _ok()


def session_floor(request):
    return _ok()


urlpatterns = [
    path("bench/floor/", floor, name="bench-floor"),
    path("bench/floor/session/", session_floor, name="bench-session-floor"),
    *hashport_urlpatterns,
]
