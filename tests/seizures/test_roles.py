import pytest
from django.contrib.auth.models import Group

from seizures import roles

pytestmark = pytest.mark.django_db

# (permission, Compliance, Executives, Customs admins)
MATRIX = [
    ("seizures.view_shipment", True, True, True),
    ("seizures.view_shipmentevent", True, True, True),
    ("seizures.export_shipments", True, False, True),
    ("seizures.record_event", False, False, True),
    ("seizures.import_shipments", False, False, True),
    ("seizures.add_shipment", False, False, True),
    ("seizures.change_port", False, False, True),
    ("seizures.change_minermodel", False, False, True),
    ("seizures.delete_shipment", False, False, False),
    ("seizures.delete_shipmentevent", False, False, False),
    ("seizures.change_shipmentevent", False, False, False),
]


def test_roles_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        roles.COMPLIANCE,
        roles.EXECUTIVES,
        roles.CUSTOMS_ADMINS,
    }


@pytest.mark.parametrize(("permission", "compliance", "executive", "customs"), MATRIX)
def test_role_matrix(make_user, permission, compliance, executive, customs):
    users = {
        roles.COMPLIANCE: make_user("c", roles.COMPLIANCE),
        roles.EXECUTIVES: make_user("e", roles.EXECUTIVES),
        roles.CUSTOMS_ADMINS: make_user("a", roles.CUSTOMS_ADMINS),
    }
    expected = {roles.COMPLIANCE: compliance, roles.EXECUTIVES: executive, roles.CUSTOMS_ADMINS: customs}
    for role, user in users.items():
        assert user.has_perm(permission) is expected[role], f"{role} / {permission}"


def test_roles_are_restored_on_migrate_after_a_manual_change():
    group = Group.objects.get(name=roles.EXECUTIVES)
    group.permissions.clear()
    roles.ensure_roles()
    assert group.permissions.filter(codename="view_shipment").exists()
