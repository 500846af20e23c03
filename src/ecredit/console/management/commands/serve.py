"""`ecredit serve`: print where everything is and the demo logins, then serve on HOST:PORT, with a background
worker for queued tasks (rescoring a subject when a record about it arrives) beside the server."""

import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ecredit.console.demo_accounts import banner


class Command(BaseCommand):
    help = "Serve the portal, the console, the API and its docs (development server) with a task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-worker", action="store_true", help="do not start the background task worker")

    def handle(self, *args, host, port, no_worker=False, **options):
        self.stdout.write(banner(f"http://{host}:{port}"))
        worker = None
        if not no_worker and "immediate" not in settings.TASKS["default"]["BACKEND"].lower():
            worker = subprocess.Popen([sys.executable, "-m", "ecredit", "db_worker", "--no-reload", "-v", "0"])
            self.stdout.write(f"  task worker           pid {worker.pid} (ecredit db_worker)\n")
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(10)
