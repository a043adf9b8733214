"""Who may open what: every URL of the project × every role, with the status each one gets; CSRF on every form.

The tables are the specification, derived from seizures/roles.py, the views' permission checks and the admin's
(only Customs admins are staff: Compliance and Executives reach no admin page). Two tests keep them honest:
test_every_url_has_a_row compares the URLconf with the table, so a URL added without a row fails; and every page a
role may open is searched for POST forms, each of which must carry a CSRF token and post to a URL of FORMS, whose
rows check that a POST without the token is refused.

The rows a test opens (users, a shipment with events and one without, a rule, a source with an upload, …) are made
once for the module inside a transaction that is rolled back at its end; each test's own writes roll back as well.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from http.cookies import SimpleCookie
from types import SimpleNamespace
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, resolve, reverse

from dashboard import services as dashboard_services
from dashboard.models import Milestone, RenderedChart
from hashrate import services as hashrate_services
from hashrate.models import Country, CountryShare, Method, NetworkHashrate, Parser, PoolCountry, Source, Trigger
from seizures import roles, services
from seizures.deadlines import services as deadline_services
from seizures.models import DeadlineRule, DeadlineStart, EventKind, Shipment
from tests.factories import ImporterFactory, ManufacturerFactory, MinerModelFactory, PortFactory, make_shipment

pytestmark = pytest.mark.django_db

D = datetime.date
LOGIN_PASSWORD = "a-long-test-password"

ANONYMOUS, COMPLIANCE, EXECUTIVE, CUSTOMS, SUPERUSER = "anonymous", "compliance", "executive", "customs", "superuser"
ROLES = [ANONYMOUS, COMPLIANCE, EXECUTIVE, CUSTOMS, SUPERUSER]

# Expected answers besides a plain status code.
LOGIN = "login"  # 302 to a login page (the site's or the admin's) with ?next= the URL asked for
ADMIN_LOGIN = "admin login"  # 302 to the admin's login page: logged in, but not staff


@dataclass(frozen=True)
class Redirect:
    """302 to this URL (or the URL a function of the world returns)."""

    to: str | Callable


# The world: the rows the URLs open, made once for the module.


def _user(username: str, *role_names: str, is_staff=False, is_superuser=False, password=None):
    # No password but for the user that logs in through the forms: every other login is force_login.
    user = get_user_model().objects.create_user(
        username, password=password, is_staff=is_staff, is_superuser=is_superuser
    )
    user.groups.add(*Group.objects.filter(name__in=role_names))
    return user


def _build_world() -> SimpleNamespace:
    users = {
        COMPLIANCE: _user("authz-compliance", roles.COMPLIANCE),
        EXECUTIVE: _user("authz-executive", roles.EXECUTIVES),
        CUSTOMS: _user("authz-customs", roles.CUSTOMS_ADMINS, is_staff=True),
        SUPERUSER: _user("authz-superuser", is_staff=True, is_superuser=True),
    }
    held = make_shipment(entry_number="AZA-0000001-1", lines=[("Antminer S21", 10, "3000")])
    event = services.shipment_record_event(shipment=held, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25))
    bare = make_shipment(entry_number="AZB-0000002-2", lines=[("Antminer S21", 5, "3000")])
    rule = DeadlineRule.objects.create(
        code="authz-rule",
        name="Authorisation matrix rule",
        starts_with=DeadlineStart.DETAINED,
        offset_days=30,
        satisfied_by=[EventKind.RELEASED],
        citation="19 U.S.C. 1499(c)",
    )
    manual = Source.objects.create(
        slug="authz-figures", name="Authorisation matrix figures", parser=Parser.MANUAL_CSV, method=Method.MANUAL
    )
    run = hashrate_services.source_refresh(
        source=manual, trigger=Trigger.UPLOAD, payload=b"period,country,share_pct,hashrate_ehs\n2024-Q4,US,37.5,\n"
    )
    render_run = dashboard_services.charts_render()
    return SimpleNamespace(
        users=users,
        reset_user=_user("authz-reset-target"),
        login_user=_user("authz-login", is_staff=True, password=LOGIN_PASSWORD),
        group=Group.objects.get(name=roles.COMPLIANCE),
        held=held,
        event=event,
        bare=bare,
        rule=rule,
        recompute=deadline_services.deadline_recompute_request(reason="authorisation matrix", user=users[CUSTOMS]),
        manufacturer=ManufacturerFactory(name="Authz Maker"),
        miner_model=MinerModelFactory(name="Authz Miner"),
        port=PortFactory(code="9901", name="Authz Port"),
        importer=ImporterFactory(name="Authz Importer LLC"),
        country=Country.objects.create(code="XA", name="Authz Land"),
        pool_country=PoolCountry.objects.create(pool_slug="authz-pool", country_id="US", note="authorisation test"),
        # A manual source with no figures yet, so that a superuser may delete it.
        manual_source=Source.objects.create(
            slug="authz-manual", name="Authorisation matrix source", parser=Parser.MANUAL_CSV, method=Method.MANUAL
        ),
        url_source=Source.objects.get(slug="cbeci"),
        refresh_run=run,
        share=CountryShare.objects.filter(source=manual).first(),
        network=NetworkHashrate.objects.first(),
        milestone=Milestone.objects.create(date=D(2024, 11, 1), title="Authz milestone", source="the test"),
        rendered_chart=RenderedChart.objects.first(),
        render_run=render_run,
        calendar_token=deadline_services.calendar_token_rotate(user=users[EXECUTIVE]),
        **_login_records(),
    )


def _login_records() -> dict:
    """What django-axes keeps of logins: a failed attempt (counted towards a lockout), its log, a success's log."""
    seen = {"ip_address": "192.0.2.1", "user_agent": "test", "path_info": "/accounts/login/", "http_accept": "*/*"}
    return {
        "access_attempt": AccessAttempt.objects.create(
            username="authz-nobody", get_data="", post_data="username=authz-nobody", failures_since_start=1, **seen
        ),
        "access_failure": AccessFailureLog.objects.create(username="authz-nobody", **seen),
        "access_log": AccessLog.objects.create(username="authz-compliance", **seen),
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    # Like TestCase.setUpTestData: one outer transaction for the module, each test's in a savepoint inside it.
    # on_commit callbacks (task enqueues, chart re-renders) never run, so nothing reaches a broker.
    # A fast password hasher for the one user that logs in through the forms (the default costs a second a login).
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def clients():
    """One client of each kind for the module: a new Client loads the middleware again, and WhiteNoise's scans
    every static file (a third of the module's time when each test had its own)."""
    return {"plain": Client(), "csrf": Client(enforce_csrf_checks=True)}


@pytest.fixture(scope="module")
def sessions(world, clients, django_db_blocker) -> dict[str, str]:
    """Each role's session key, logged in once (in the module's transaction): a login per test, with django-axes'
    records, costs more than most of the requests."""
    client, keys = clients["plain"], {}
    with django_db_blocker.unblock():
        for role, user in world.users.items():
            client.force_login(user)
            keys[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            client.cookies = SimpleCookie()
    return keys


def _as(client: Client, sessions: dict[str, str], role: str) -> Client:
    """The client with the role's session and no other cookie (none of the previous test's)."""
    client.cookies = SimpleCookie()
    if role != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
    return client


# URLs.


def admin(name: str, *args: Callable) -> Callable:
    """The admin URL `admin:<name>`, its arguments read from the world when the test runs."""
    return lambda w: reverse(f"admin:{name}", args=[arg(w) for arg in args])


def pk(attr: str) -> Callable:
    return lambda w: getattr(w, attr).pk


def history_id(attr: str) -> Callable:
    return lambda w: getattr(w, attr).history.order_by("history_id").first().history_id


# The matrix.


@dataclass(frozen=True)
class Row:
    key: str  # the URL pattern's name, or "/" + its route when it has none
    url: str | Callable  # a path, or a function of the world giving one
    expected: dict  # role → status code, LOGIN, ADMIN_LOGIN or Redirect
    variant: str = ""

    @property
    def id(self) -> str:
        name = self.key if not self.key.startswith("/") else UNNAMED_IDS[self.key]
        return f"{name}({self.variant})" if self.variant else name

    def path(self, w) -> str:
        return self.url(w) if callable(self.url) else self.url


def row(key, url, anonymous, compliance, executive, customs, superuser, variant="") -> Row:
    expected = dict(zip(ROLES, (anonymous, compliance, executive, customs, superuser), strict=True))
    return Row(key, url, expected, variant)


def staff_only(key, url, customs, superuser, variant="") -> Row:
    """An admin page: anonymous visitors log in first; Compliance and Executives, not staff, are sent to the
    admin's login page."""
    return row(key, url, LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, customs, superuser, variant)


SITE = [
    row("/", "/", LOGIN, *[Redirect("/shipments/")] * 4),
    row("healthz", "/healthz", 200, 200, 200, 200, 200),
    row("readyz", "/readyz", 200, 200, 200, 200, 200),
    # Accounts: logging in needs no login; there is no self-service password reset (admins reset passwords).
    row("login", "/accounts/login/", 200, 200, 200, 200, 200),
    row("logout", "/accounts/logout/", LOGIN, 405, 405, 405, 405),  # POST only
    row("password_change", "/accounts/password_change/", LOGIN, 200, 200, 200, 200),
    row("password_change_done", "/accounts/password_change/done/", LOGIN, 200, 200, 200, 200),
    # The ledger: every role views it; Executives may not export it.
    row("seizures:shipment_list", "/shipments/", LOGIN, 200, 200, 200, 200),
    row("seizures:shipment_export", "/shipments/export.csv", LOGIN, 200, 403, 200, 200),
    row("seizures:shipment_detail", lambda w: f"/shipments/{w.held.entry_number}/", LOGIN, 200, 200, 200, 200),
    row("seizures:shipment_detail", "/shipments/NOP-0000000-0/", LOGIN, 404, 404, 404, 404, variant="unknown"),
    # Deadlines: every role views them; Executives may not export them. The calendar feed ignores the session and
    # answers only to a user's token (here the Executive's).
    row("deadlines:list", "/deadlines/", LOGIN, 200, 200, 200, 200),
    row("deadlines:export", "/deadlines/export.csv", LOGIN, 200, 403, 200, 200),
    row("deadlines:calendar", "/deadlines/calendar.ics", 403, 403, 403, 403, 403, variant="no-token"),
    row(
        "deadlines:calendar",
        "/deadlines/calendar.ics?token=not-a-token",
        403,
        403,
        403,
        403,
        403,
        variant="wrong-token",
    ),
    row(
        "deadlines:calendar",
        lambda w: f"/deadlines/calendar.ics?token={w.calendar_token}",
        200,
        200,
        200,
        200,
        200,
        variant="token",
    ),
    row("deadlines:calendar_subscription", "/deadlines/calendar/", LOGIN, 200, 200, 200, 200),
    # The hashrate dataset: every role views and exports it (public figures).
    row("hashrate:browser", "/hashrate/", LOGIN, 200, 200, 200, 200),
    row("hashrate:export", "/hashrate/export.csv", LOGIN, 200, 200, 200, 200),
    # The dashboard: every role.
    row("dashboard:index", "/dashboard/", LOGIN, 200, 200, 200, 200),
    row("dashboard:chart_json", "/dashboard/charts/custody-vs-share.json", LOGIN, 200, 200, 200, 200),
    row("dashboard:chart_json", "/dashboard/charts/no-such-chart.json", LOGIN, 404, 404, 404, 404, variant="unknown"),
    row("dashboard:chart_csv", "/dashboard/charts/custody-vs-share.csv", LOGIN, 200, 200, 200, 200),
]

ADMIN_SITE = [
    staff_only("admin:index", "/admin/", 200, 200),
    row("admin:login", "/admin/login/", 200, 200, 200, Redirect("/admin/"), Redirect("/admin/")),
    # GET on logout: the admin sends non-staff to its index (and so to its login); staff get 405 (POST only).
    row("admin:logout", "/admin/logout/", LOGIN, Redirect("/admin/"), Redirect("/admin/"), 405, 405),
    staff_only("admin:password_change", "/admin/password_change/", 200, 200),
    staff_only("admin:password_change_done", "/admin/password_change/done/", 200, 200),
    staff_only(
        "admin:autocomplete",
        "/admin/autocomplete/?app_label=seizures&model_name=shipment&field_name=importer&term=Authz",
        200,
        200,
    ),
    staff_only("admin:autocomplete", "/admin/autocomplete/", 403, 403, variant="no-field"),
    staff_only("admin:jsi18n", "/admin/jsi18n/", 200, 200),
    # No model has get_absolute_url, so "view on site" finds nothing to show.
    staff_only(
        "admin:view_on_site",
        lambda w: f"/admin/r/{_content_type_id(Shipment)}/{w.held.pk}/",
        404,
        404,
    ),
    staff_only("admin:app_list", "/admin/seizures/", 200, 200, variant="seizures"),
    staff_only("admin:app_list", "/admin/hashrate/", 200, 200, variant="hashrate"),
    staff_only("admin:app_list", "/admin/dashboard/", 200, 200, variant="dashboard"),
    # Apps none of whose models a Customs admin may see.
    staff_only("admin:app_list", "/admin/auth/", 404, 200, variant="auth"),
    staff_only("admin:app_list", "/admin/axes/", 200, 200, variant="axes"),
    staff_only("/admin/(?P<url>.*)$", "/admin/no-such-page/", 404, 404),
]

# Every registered model's pages: (model, the world's row to open, then what a Customs admin and a superuser get on
# its changelist, add, change, history and delete pages, then on simple_history's page of one past version (None
# for models without history)). A "change" 200 on a read-only model is its view page.
ALL = (200, 200, 200, 200, 200)
READ_ONLY = (200, 403, 200, 200, 403)  # the rows services write: view only, even for superusers
EDIT_NO_DELETE = (200, 200, 200, 200, 403)  # Customs admins add and change; nothing is deleted (a rule switches off)
NOTHING = (403, 403, 403, 403, 403)
AXES = (200, 403, 200, 200, 200)  # no add page; the rest, fields read-only, to superusers
MODEL_ADMINS = [
    ("auth.group", "group", NOTHING, ALL, None),
    ("auth.user", "reset_user", NOTHING, ALL, None),
    ("seizures.manufacturer", "manufacturer", EDIT_NO_DELETE, ALL, (200, 200)),
    ("seizures.minermodel", "miner_model", EDIT_NO_DELETE, ALL, (200, 200)),
    ("seizures.port", "port", EDIT_NO_DELETE, ALL, (200, 200)),
    ("seizures.importer", "importer", EDIT_NO_DELETE, ALL, (200, 200)),
    # A shipment with events is never deleted, not even by a superuser (see the "no-events" row below).
    ("seizures.shipment", "held", EDIT_NO_DELETE, EDIT_NO_DELETE, (200, 200)),
    ("seizures.shipmentevent", "event", READ_ONLY, READ_ONLY, None),
    ("seizures.deadlinerule", "rule", EDIT_NO_DELETE, ALL, (200, 200)),
    ("seizures.deadlinerecompute", "recompute", READ_ONLY, READ_ONLY, None),
    ("hashrate.country", "country", READ_ONLY, ALL, None),
    ("hashrate.poolcountry", "pool_country", EDIT_NO_DELETE, ALL, None),
    ("hashrate.source", "manual_source", EDIT_NO_DELETE, ALL, None),
    ("hashrate.refreshrun", "refresh_run", READ_ONLY, READ_ONLY, None),
    ("hashrate.countryshare", "share", READ_ONLY, READ_ONLY, None),
    ("hashrate.networkhashrate", "network", READ_ONLY, READ_ONLY, None),
    ("dashboard.milestone", "milestone", ALL, ALL, None),
    # Customs admins follow the chart renders.
    ("dashboard.renderedchart", "rendered_chart", READ_ONLY, READ_ONLY, None),
    ("dashboard.renderrun", "render_run", READ_ONLY, READ_ONLY, None),
    # django-axes' login records: Customs admins read them and clear a lockout (deleting the attempt).
    ("axes.accessattempt", "access_attempt", AXES, AXES, None),
    ("axes.accessfailurelog", "access_failure", READ_ONLY, AXES, None),
    ("axes.accesslog", "access_log", READ_ONLY, AXES, None),
]
PAGES = ["changelist", "add", "change", "history", "delete"]


def _model_admin_rows() -> list[Row]:
    rows = []
    for label, attr, customs, superuser, simple_history in MODEL_ADMINS:
        prefix = label.replace(".", "_")
        for page, customs_status, superuser_status in zip(PAGES, customs, superuser, strict=True):
            args = [] if page in ("changelist", "add") else [pk(attr)]
            rows.append(
                staff_only(f"admin:{prefix}_{page}", admin(f"{prefix}_{page}", *args), customs_status, superuser_status)
            )
        # The old-style object URL redirects staff to the change page, whatever they may do there.
        to_change = Redirect(admin(f"{prefix}_change", pk(attr)))
        rows.append(
            staff_only(
                f"/admin/{label.replace('.', '/')}/<path:object_id>/", _object_url(label, attr), to_change, to_change
            )
        )
        if simple_history:
            name = f"{prefix}_simple_history"
            rows.append(staff_only(f"admin:{name}", admin(name, pk(attr), history_id(attr)), *simple_history))
    return rows


def _object_url(label: str, attr: str) -> Callable:
    return lambda w: f"/admin/{label.replace('.', '/')}/{getattr(w, attr).pk}/"


def _content_type_id(model) -> int:
    return ContentType.objects.get_for_model(model).pk


CUSTOM_ADMIN = [
    staff_only("admin:seizures_shipment_delete", admin("seizures_shipment_delete", pk("bare")), 403, 200, "no-events"),
    # The ledger's event pages need seizures.record_event (Customs admins).
    staff_only("admin:seizures_shipment_release", admin("seizures_shipment_release", pk("held")), 200, 200),
    staff_only("admin:seizures_shipment_record_event", admin("seizures_shipment_record_event", pk("held")), 200, 200),
    staff_only("admin:seizures_shipment_void", admin("seizures_shipment_void", pk("held")), 200, 200),
    # "Recompute now" is a POST only (the list's button).
    staff_only(
        "admin:seizures_deadlinerecompute_recompute_now", "/admin/seizures/deadlinerecompute/recompute-now/", 405, 405
    ),
    # Uploads are for manual sources; a source with a URL sends the user back to its page.
    staff_only("admin:hashrate_source_upload", admin("hashrate_source_upload", pk("manual_source")), 200, 200),
    staff_only(
        "admin:hashrate_source_upload",
        admin("hashrate_source_upload", pk("url_source")),
        Redirect(admin("hashrate_source_change", pk("url_source"))),
        Redirect(admin("hashrate_source_change", pk("url_source"))),
        variant="url-source",
    ),
    staff_only("admin:auth_user_password_change", admin("auth_user_password_change", pk("reset_user")), 403, 200),
    # CSV imports: admin pages (staff) that need seizures.import_shipments.
    staff_only("seizures_import:import_shipments", "/admin/seizures/import/shipments/", 200, 200),
    staff_only("seizures_import:import_events", "/admin/seizures/import/events/", 200, 200),
]

ROWS = [*SITE, *ADMIN_SITE, *_model_admin_rows(), *CUSTOM_ADMIN]

UNNAMED_IDS = {
    "/": "root",
    "/admin/(?P<url>.*)$": "admin:catch_all",
    **{
        f"/admin/{label.replace('.', '/')}/<path:object_id>/": f"admin:{label.replace('.', '_')}_object"
        for label, *_ in MODEL_ADMINS
    },
}


def _url_keys(patterns=None, prefix="", namespace="") -> set[str]:
    """Every URL pattern of the project: its namespaced name, or "/" + its full route when it has none."""
    keys = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            keys |= _url_keys(pattern.url_patterns, route, inner)
        elif pattern.name:
            keys.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
        else:
            keys.add("/" + route)
    return keys


def _key_of(path: str) -> str:
    match = resolve(path)
    if match.url_name:
        return match.view_name
    return "/" + match.route


def test_every_url_has_a_row():
    in_urlconf, in_table = _url_keys(), {row.key for row in ROWS}
    assert sorted(in_urlconf - in_table) == [], "URLs without a row in the matrix: add one for each role"
    assert sorted(in_table - in_urlconf) == [], "rows for URLs the project no longer has"


def _check(response, expected, path: str, w) -> None:
    if expected in (LOGIN, ADMIN_LOGIN):
        assert response.status_code == 302, response.content[:300]
        location = urlsplit(response["Location"])
        login_pages = ["/admin/login/"] if expected == ADMIN_LOGIN else ["/accounts/login/", "/admin/login/"]
        assert location.path in login_pages
        assert parse_qs(location.query)["next"] == [path]
    elif isinstance(expected, Redirect):
        assert response.status_code == 302, response.content[:300]
        assert response["Location"] == (expected.to(w) if callable(expected.to) else expected.to)
    else:
        assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize(
    ("row", "role"), [pytest.param(row, role, id=f"{row.id}-{role}") for row in ROWS for role in ROLES]
)
def test_role_gets_the_expected_answer(world, clients, sessions, row, role):
    client = _as(clients["plain"], sessions, role)
    path = row.path(world)
    response = client.get(path)
    _check(response, row.expected[role], path, world)
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        _check_forms(response.content.decode(), path)


# CSRF: every form that posts.


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.DOTALL | re.IGNORECASE)
INPUT = re.compile(r"<input\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')


def _post_forms(html: str) -> list[dict]:
    """The page's POST forms: where each posts, and its hidden fields (the CSRF token among them)."""
    forms = []
    for match in FORM.finditer(html):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        if attributes.get("method", "get").lower() != "post":
            continue
        inputs = [dict(ATTRIBUTE.findall(tag)) for tag in INPUT.findall(match.group(2))]
        hidden = {i["name"]: unescape(i.get("value", "")) for i in inputs if i.get("type") == "hidden" and "name" in i}
        forms.append({"action": unescape(attributes.get("action", "")), "hidden": hidden})
    return forms


def _check_forms(html: str, path: str) -> None:
    for form in _post_forms(html):
        target = urlsplit(urljoin(path, form["action"])).path
        assert form["hidden"].get("csrfmiddlewaretoken"), f"a form posting to {target} has no CSRF token"
        assert _key_of(target) in FORM_KEYS, f"{path} has a form posting to {target}: add a row to FORMS"


@dataclass(frozen=True)
class FormRow:
    key: str  # the URL pattern the form posts to
    role: str  # who fills it in
    page: str | Callable  # the page showing the form (followed through redirects)
    action: str | Callable | None = None  # where it posts; None: the page it is on
    variant: str = ""
    # Post again with the form's hidden fields (its token among them), to show the refusal was for want of the token
    # and not of a permission: with this data, expecting this answer (None: anything but a CSRF refusal).
    control: bool = True
    data: dict | Callable = field(default_factory=dict)
    accepted: int | Redirect | None = None

    @property
    def id(self) -> str:
        name = f"{self.key}({self.variant})" if self.variant else self.key
        return f"{name}-{self.role}"


def _resolve(value, w):
    return value(w) if callable(value) else value


def _credentials(w) -> dict:
    return {"username": w.login_user.username, "password": LOGIN_PASSWORD}


HAND_FORMS = [
    # The login forms, posted for real: django-axes' backend needs the request, which the login view passes.
    FormRow("login", ANONYMOUS, "/accounts/login/", data=_credentials, accepted=Redirect("/shipments/")),
    FormRow("admin:login", ANONYMOUS, "/admin/login/", data=_credentials, accepted=Redirect("/admin/")),
    FormRow("logout", COMPLIANCE, "/shipments/", "/accounts/logout/"),  # the form in every page's top bar
    FormRow("password_change", EXECUTIVE, "/accounts/password_change/"),
    FormRow("deadlines:calendar_subscription", COMPLIANCE, "/deadlines/calendar/"),  # rotate or revoke the token
    FormRow("admin:logout", CUSTOMS, "/admin/", "/admin/logout/"),
    FormRow("admin:password_change", CUSTOMS, "/admin/password_change/"),
    FormRow("admin:auth_user_password_change", SUPERUSER, admin("auth_user_password_change", pk("reset_user"))),
    # What Customs admins do in the admin.
    FormRow("admin:seizures_shipment_release", CUSTOMS, admin("seizures_shipment_release", pk("held"))),
    FormRow("admin:seizures_shipment_record_event", CUSTOMS, admin("seizures_shipment_record_event", pk("held"))),
    FormRow("admin:seizures_shipment_void", CUSTOMS, admin("seizures_shipment_void", pk("held"))),
    FormRow("admin:seizures_shipment_add", CUSTOMS, "/admin/seizures/shipment/add/", variant="customs"),
    FormRow(
        "admin:seizures_shipment_change", CUSTOMS, admin("seizures_shipment_change", pk("bare")), variant="customs"
    ),
    FormRow(
        "admin:seizures_deadlinerule_change",
        CUSTOMS,
        admin("seizures_deadlinerule_change", pk("rule")),
        variant="customs",
    ),
    FormRow(
        "admin:seizures_deadlinerecompute_recompute_now",
        CUSTOMS,
        "/admin/seizures/deadlinerecompute/",
        "/admin/seizures/deadlinerecompute/recompute-now/",
    ),
    FormRow("admin:hashrate_source_changelist", CUSTOMS, "/admin/hashrate/source/", variant="refresh-now"),
    FormRow("admin:hashrate_source_upload", CUSTOMS, admin("hashrate_source_upload", pk("manual_source"))),
    FormRow("admin:dashboard_milestone_changelist", CUSTOMS, "/admin/dashboard/milestone/", variant="list-editable"),
    FormRow("seizures_import:import_shipments", CUSTOMS, "/admin/seizures/import/shipments/"),
    FormRow("seizures_import:import_events", CUSTOMS, "/admin/seizures/import/events/"),
    FormRow(
        "admin:seizures_shipment_delete", SUPERUSER, admin("seizures_shipment_delete", pk("bare")), variant="no-events"
    ),
]


def _model_admin_forms() -> list[FormRow]:
    """Every model admin page a superuser may open, but its history list: changelists (bulk actions), add, change,
    delete, and simple_history's revert form. A read-only change page is a form too: posting to it is refused, but
    not for want of a token."""
    forms = []
    for label, attr, _, superuser, simple_history in MODEL_ADMINS:
        prefix = label.replace(".", "_")
        for page, status in zip(PAGES, superuser, strict=True):
            if status == 200 and page != "history":
                args = [] if page in ("changelist", "add") else [pk(attr)]
                forms.append(
                    FormRow(f"admin:{prefix}_{page}", SUPERUSER, admin(f"{prefix}_{page}", *args), control=False)
                )
        if simple_history:
            name = f"{prefix}_simple_history"
            forms.append(FormRow(f"admin:{name}", SUPERUSER, admin(name, pk(attr), history_id(attr)), control=False))
    return forms


FORMS = [*HAND_FORMS, *_model_admin_forms()]
FORM_KEYS = {form.key for form in FORMS}

CSRF_REFUSED = "CSRF verification failed"


@pytest.mark.parametrize("form", [pytest.param(form, id=form.id) for form in FORMS])
def test_a_post_without_the_csrf_token_is_refused(world, clients, sessions, form):
    client = _as(clients["csrf"], sessions, form.role)
    page = client.get(_resolve(form.page, world), follow=True)
    assert page.status_code == 200
    page_path = page.request["PATH_INFO"]
    html = page.content.decode()
    action = _resolve(form.action, world) if form.action else page_path
    assert _key_of(action) == form.key
    posting_here = [f for f in _post_forms(html) if urlsplit(urljoin(page_path, f["action"])).path == action]
    assert posting_here, f"{page_path} has no form posting to {action}"
    assert all(f["hidden"].get("csrfmiddlewaretoken") for f in posting_here)

    refused = client.post(action, {})
    assert refused.status_code == 403
    assert CSRF_REFUSED in refused.content.decode()

    if form.control:
        data = {**posting_here[0]["hidden"], **_resolve(form.data, world)}
        accepted = client.post(action, data)
        assert CSRF_REFUSED not in accepted.content.decode()
        if form.accepted is not None:
            _check(accepted, form.accepted, action, world)
