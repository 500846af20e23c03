"""`ecredit otp-code USER`: the code USER's authenticator shows now, for the demo city without a phone (refused in
production)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ecredit.kit.errors import Conflict
from ecredit.signin import second_factor


class Command(BaseCommand):
    help = "Print the current one-time code of a user's authenticator (demo and development only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}", returncode=2)
        try:
            self.stdout.write(second_factor.current_code(user))
        except Conflict as exc:
            raise CommandError(exc.message, returncode=2)
