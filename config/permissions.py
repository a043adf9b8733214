"""Django's ModelBackend, with every permission of a user read in one query instead of two.

Every page checks a permission (the view's own, then the nav's `perms`), and ModelBackend reads them in two ORM
queries with joins: about 1 ms of each request. One hand-written query with the same tables returns the same set
in about a third of that. The set is kept on the user object as ModelBackend keeps it (`_perm_cache`), so it lives
for one request: a permission taken away applies to the next one.
"""

from django.contrib.auth.backends import ModelBackend
from django.db import connection

# django.contrib.auth's own tables (the user model is not swapped): the user's permissions and their roles'.
PERMISSIONS_SQL = """
    SELECT ct.app_label, p.codename
    FROM auth_permission p JOIN django_content_type ct ON ct.id = p.content_type_id
    WHERE p.id IN (
        SELECT permission_id FROM auth_user_user_permissions WHERE user_id = %s
        UNION
        SELECT gp.permission_id FROM auth_group_permissions gp
        JOIN auth_user_groups ug ON ug.group_id = gp.group_id WHERE ug.user_id = %s
    )
"""


class OneQueryModelBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:  # every permission there is: ModelBackend's own reading
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            with connection.cursor() as cursor:
                cursor.execute(PERMISSIONS_SQL, [user_obj.pk, user_obj.pk])
                user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}
        return user_obj._perm_cache
