"""Keys: from the key file, or all from the environment; never half and half."""

from __future__ import annotations

import base64
import os

import pytest

from ecredit import keys


def test_key_file_is_created_private_and_stable(tmp_path):
    path = tmp_path / "secrets" / "keys.json"
    first, second = keys.load(path), keys.load(path)
    assert first == second and len(first.data_key) == 16 and len(first.signing_key) == 32
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_partial_keys_from_the_environment_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("ECREDIT_DATA_KEY", base64.b64encode(b"k" * 16).decode())
    monkeypatch.setenv("ECREDIT_LOOKUP_KEY", base64.b64encode(b"l" * 32).decode())
    with pytest.raises(ValueError, match="ECREDIT_SIGNING_KEY"):
        keys.load(tmp_path / "keys.json")


def test_all_keys_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ECREDIT_DATA_KEY", base64.b64encode(b"k" * 16).decode())
    monkeypatch.setenv("ECREDIT_LOOKUP_KEY", base64.b64encode(b"l" * 32).decode())
    monkeypatch.setenv("ECREDIT_SIGNING_KEY", base64.b64encode(b"s" * 32).decode())
    monkeypatch.setenv("ECREDIT_SECRET_KEY", "x" * 50)
    loaded = keys.load(tmp_path / "keys.json")
    assert loaded.signing_key == b"s" * 32 and loaded.django_secret == "x" * 50
    assert not (tmp_path / "keys.json").exists()
