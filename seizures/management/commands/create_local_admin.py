"""Create the embedded default's admin account once, with a random password kept in var/ (never in the repo)."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "admin"


class Command(BaseCommand):
    help = "Create the local admin account if missing and print its login."

    def handle(self, *args, **options):
        password_file = settings.VAR_DIR / "admin-password"
        users = get_user_model().objects
        if not users.filter(username=USERNAME).exists():
            password = secrets.token_urlsafe(12)
            users.create_superuser(USERNAME, email="", password=password)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        if password_file.exists():
            password = password_file.read_text().strip()
            self.stdout.write(f"Admin login: {USERNAME} / {password}")
        else:
            self.stdout.write(
                f"Admin user '{USERNAME}' exists; its password is not stored here. "
                f"Set one with: manage.py changepassword {USERNAME}"
            )
