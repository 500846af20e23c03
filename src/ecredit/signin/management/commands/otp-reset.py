"""`ecredit otp-reset USER --reason ...`: remove a user's authenticator and backup codes (a lost phone); the next
login sets up a new one. Change-logged under the operating-system user who ran it."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ecredit.access.cli import _os_user
from ecredit.audit.services import Actor
from ecredit.kit.errors import ValidationFailed
from ecredit.signin import second_factor


class Command(BaseCommand):
    help = "Remove a user's second factor so that the next login sets up a new one (change-logged)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="why (kept in the change log)")

    def handle(self, *args, username, reason, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}", returncode=2)
        try:
            second_factor.reset(user, Actor(f"cli:{_os_user()}", ""), reason)
        except ValidationFailed as exc:
            raise CommandError(exc.message, returncode=2)
        self.stdout.write(f"second factor of {username} removed")
