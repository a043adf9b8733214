"""config.permissions.OneQueryModelBackend: ModelBackend's permissions, read in one query, for one request."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Group, Permission

from seizures import roles

pytestmark = pytest.mark.django_db

ROLES = [roles.COMPLIANCE, roles.EXECUTIVES, roles.CUSTOMS_ADMINS]


def fresh(user):
    """The user as the next request loads it: nothing cached on the object."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.parametrize("held", [[], *([role] for role in ROLES), ROLES])
def test_every_role_gets_modelbackends_permissions_in_one_query(make_user, held, django_assert_num_queries):
    user = make_user("someone", *held)
    user.user_permissions.add(Permission.objects.get(codename="change_milestone"))
    expected = ModelBackend().get_all_permissions(fresh(user))
    checked = fresh(user)

    with django_assert_num_queries(1):
        permissions = checked.get_all_permissions()
        # The view's check and the nav's `perms` read the set already on the user.
        assert checked.has_perm("dashboard.change_milestone")
        assert checked.has_perm("seizures.view_shipment") is ("seizures.view_shipment" in expected)

    assert permissions == expected
    assert "dashboard.change_milestone" in permissions


def test_a_permission_taken_from_a_role_is_gone_on_the_next_request(make_user):
    user = make_user("someone", roles.EXECUTIVES)
    assert fresh(user).has_perm("dashboard.view_dashboard")

    Group.objects.get(name=roles.EXECUTIVES).permissions.remove(Permission.objects.get(codename="view_dashboard"))

    assert not fresh(user).has_perm("dashboard.view_dashboard")


@pytest.mark.parametrize(
    ("held", "flags", "may_view"),
    [
        ([roles.EXECUTIVES], {}, True),
        ([], {}, False),
        ([], {"is_superuser": True}, True),
        ([roles.EXECUTIVES], {"is_active": False}, False),
    ],
)
def test_the_dashboard_permission_follows_roles_and_flags(make_user, held, flags, may_view):
    user = make_user("someone", *held)
    get_user_model().objects.filter(pk=user.pk).update(**flags)

    assert fresh(user).has_perm("dashboard.view_dashboard") is may_view


def test_a_superuser_holds_every_permission_an_inactive_user_none(make_user):
    superuser = make_user("root", is_superuser=True)
    inactive = make_user("gone", *ROLES)
    get_user_model().objects.filter(pk=inactive.pk).update(is_active=False)

    every = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    assert fresh(superuser).get_all_permissions() == every
    assert fresh(inactive).get_all_permissions() == set()


def test_no_object_permissions_and_none_for_the_anonymous(make_user):
    user = make_user("someone", *ROLES)

    assert fresh(user).get_all_permissions(obj=user) == set()
    assert AnonymousUser().get_all_permissions() == set()
