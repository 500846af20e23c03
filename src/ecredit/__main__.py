"""The `ecredit` console script: Django's management commands under ecredit's settings."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command (`ecredit migrate`, `ecredit demo`, `ecredit runserver`, ...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecredit.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0] if argv is None else "ecredit", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
