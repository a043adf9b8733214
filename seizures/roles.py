"""Roles are groups, kept in code and written on every migrate, so a deployment's roles never drift."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

COMPLIANCE = "Compliance"
EXECUTIVES = "Executives"
CUSTOMS_ADMINS = "Customs admins"

_LEDGER_MODELS = ["shipment", "shipmentline", "shipmentevent", "importer", "port", "minermodel", "manufacturer"]
_LEDGER_VIEW = [f"seizures.view_{model}" for model in _LEDGER_MODELS]
_REFERENCE_EDIT = [
    f"seizures.{action}_{model}"
    for model in ["importer", "port", "minermodel", "manufacturer"]
    for action in ("add", "change")
]

# The hashrate dataset: every role reads it; Customs admins maintain sources and pool headquarters, upload files.
_DATASET_MODELS = ["country", "source", "poolcountry", "countryshare", "networkhashrate", "refreshrun"]
_DATASET_VIEW = [f"hashrate.view_{model}" for model in _DATASET_MODELS]
_DATASET_EDIT = [
    *(f"hashrate.{action}_{model}" for model in ["source", "poolcountry"] for action in ("add", "change")),
    "hashrate.refresh_source",
    "hashrate.upload_payload",
]

# Legal deadlines: every role sees them and their rules; Compliance and Customs admins export them; Customs admins
# edit the rules (no delete: a rule is switched off instead) and follow the recomputes that rule changes queue.
_DEADLINE_VIEW = ["seizures.view_deadline", "seizures.view_deadlinerule"]
_DEADLINE_EDIT = [
    "seizures.add_deadlinerule",
    "seizures.change_deadlinerule",
    "seizures.view_deadlinerecompute",
]

# The executive dashboard: every role reads it; Customs admins edit the milestones its headline chart annotates.
_DASHBOARD_VIEW = ["dashboard.view_dashboard"]
_MILESTONE_EDIT = [f"dashboard.{action}_milestone" for action in ("view", "add", "change", "delete")]
_RENDERS_VIEW = ["dashboard.view_renderedchart", "dashboard.view_renderrun"]

# Login throttling (django-axes): Customs admins see the login records and unlock a colleague by deleting the attempt.
_LOGIN_RECORDS = [
    "axes.view_accessattempt",
    "axes.delete_accessattempt",
    "axes.view_accesslog",
    "axes.view_accessfailurelog",
]

ROLE_PERMISSIONS = {
    COMPLIANCE: [
        *_LEDGER_VIEW,
        "seizures.export_shipments",
        *_DATASET_VIEW,
        *_DEADLINE_VIEW,
        "seizures.export_deadlines",
        *_DASHBOARD_VIEW,
    ],
    EXECUTIVES: [*_LEDGER_VIEW, *_DATASET_VIEW, *_DEADLINE_VIEW, *_DASHBOARD_VIEW],
    CUSTOMS_ADMINS: [
        *_LEDGER_VIEW,
        *_DATASET_VIEW,
        *_DASHBOARD_VIEW,
        *_MILESTONE_EDIT,
        *_RENDERS_VIEW,
        *_LOGIN_RECORDS,
        *_DEADLINE_VIEW,
        *_DEADLINE_EDIT,
        "seizures.export_deadlines",
        *_DATASET_EDIT,
        "seizures.export_shipments",
        "seizures.record_event",
        "seizures.import_shipments",
        "seizures.add_shipment",
        "seizures.change_shipment",
        *_REFERENCE_EDIT,
    ],
}


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def ensure_roles(**kwargs) -> None:
    """post_migrate handler: make sure every permission exists, then give each role exactly its permissions."""
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for role, permissions in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([_permission(dotted) for dotted in permissions])
