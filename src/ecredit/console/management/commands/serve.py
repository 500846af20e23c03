"""`ecredit serve`: print where everything is and the demo logins, then serve on HOST:PORT."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from ecredit.console.demo_accounts import banner


class Command(BaseCommand):
    help = "Serve the console, the API and its docs (development server), printing URLs and demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        self.stdout.write(banner(f"http://{host}:{port}"))
        call_command("runserver", f"{host}:{port}", use_reloader=False)
