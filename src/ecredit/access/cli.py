"""What file-import commands share: reading the file, and acting for the organisation named on the command line."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from .models import Organisation
from .principal import Principal


def read_file(path: Path) -> bytes:
    """The file's bytes, or a CommandError (exit 2) naming the file and why it could not be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(_("无法读取文件 {path}：{err}").format(path=path, err=exc.strerror), returncode=2)


def acting_for(org_code: str, role_of_kind: Callable[[str], str | None], refusal: str) -> Principal:
    """The principal of the operator acting for the active organisation `org_code`, in the role its kind gets;
    `refusal` (with {org}) when its kind may not do this (exit 2)."""
    org = Organisation.objects.filter(code=org_code).first()
    if org is None or not org.active:
        raise CommandError(_("单位“{code}”不存在或已停用").format(code=org_code), returncode=2)
    role = role_of_kind(org.kind)
    if role is None:
        raise CommandError(refusal.format(org=org.name), returncode=2)
    return Principal.build(f"cli:{_os_user()}", role, org)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
