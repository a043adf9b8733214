"""Django's ModelBackend, with every permission of a user read in one query instead of two.

Every page checks a permission (the view's own, then the nav's `perms`), and ModelBackend reads them in two ORM
queries with joins: about 1 ms of each request. One hand-written query with the same tables returns the same set
in about a third of that. The set is kept on the user object as ModelBackend keeps it (`_perm_cache`), so it lives
for one request: a permission taken away applies to the next one.
"""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection


@functools.cache
def _permissions_sql() -> str:
    """Built from the models' tables and columns, so it follows a swapped user model."""
    user_model = get_user_model()
    direct = user_model._meta.get_field("user_permissions").remote_field.through._meta
    membership = user_model._meta.get_field("groups").remote_field.through._meta
    granted = Group._meta.get_field("permissions").remote_field.through._meta
    user_column = direct.get_field(user_model._meta.model_name).column

    def table(meta):
        return connection.ops.quote_name(meta.db_table)

    def column(meta, name):
        return connection.ops.quote_name(meta.get_field(name).column)

    return (
        f"SELECT ct.app_label, p.codename FROM {table(Permission._meta)} p"
        f" JOIN {table(ContentType._meta)} ct ON ct.id = p.content_type_id"
        f" WHERE p.id IN ("
        f"SELECT d.{column(direct, 'permission')} FROM {table(direct)} d"
        f" WHERE d.{connection.ops.quote_name(user_column)} = %s"
        f" UNION SELECT g.{column(granted, 'permission')} FROM {table(granted)} g"
        f" JOIN {table(membership)} m ON m.{column(membership, 'group')} = g.{column(granted, 'group')}"
        f" WHERE m.{column(membership, user_model._meta.model_name)} = %s)"
    )


class OneQueryModelBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:  # every permission there is: ModelBackend's own reading
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            with connection.cursor() as cursor:
                cursor.execute(_permissions_sql(), [user_obj.pk, user_obj.pk])
                user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}
        return user_obj._perm_cache
