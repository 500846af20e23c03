"""Tests that change a rule file work on a copy of the rules folder (the `rules_copy` fixture in conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from ecredit.policy.loader import RULES_DIR


def copy_rules(folder: Path) -> Path:
    """A copy of every rule file under `folder`/rules."""
    target = folder / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def edit(path: Path, change) -> None:
    """Load a YAML rule file, let `change` modify the data, write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
