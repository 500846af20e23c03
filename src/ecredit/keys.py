"""The deployment's secret keys, kept in a file outside the repository (or given by environment).

The file holds: Django's secret key, the SM4 key that encrypts resident IDs at rest, the HMAC key
under which they are looked up, and the Ed25519 key that signs change-log checkpoints. It is created with mode 0600 on first use. Losing it makes stored
resident IDs unreadable: back it up with the database (README, "Keys").
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Keys:
    """Key material; `data_key` is 16 bytes for SM4, `lookup_key` 32 bytes for HMAC-SM3."""

    django_secret: str
    data_key: bytes
    lookup_key: bytes
    signing_key: bytes  # Ed25519 private key (32 raw bytes): signs change-log checkpoints


ENV_KEYS = ("ECREDIT_DATA_KEY", "ECREDIT_LOOKUP_KEY", "ECREDIT_SIGNING_KEY", "ECREDIT_SECRET_KEY")


def _generate() -> dict[str, str]:
    return {
        "django_secret": secrets.token_urlsafe(50),
        "data_key": base64.b64encode(secrets.token_bytes(16)).decode(),
        "lookup_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        "signing_key": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


def load(path: str | os.PathLike) -> Keys:
    """Keys from ECREDIT_DATA_KEY / ECREDIT_LOOKUP_KEY (base64) or from `path`, created if missing."""
    path = Path(path)
    stored: dict[str, str] = {}
    from_env = [name for name in ENV_KEYS if os.environ.get(name)]
    if from_env and len(from_env) != len(ENV_KEYS):
        # Half the keys from the environment would leave the rest random per process: every worker would
        # sign with its own key and sessions would break between workers.
        missing = ", ".join(name for name in ENV_KEYS if name not in from_env)
        raise ValueError(f"keys given by the environment must all be given; missing: {missing}")
    if not from_env:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(_generate(), handle)
        stored = json.loads(path.read_text())
    data_key = base64.b64decode(os.environ.get("ECREDIT_DATA_KEY") or stored["data_key"])
    lookup_key = base64.b64decode(os.environ.get("ECREDIT_LOOKUP_KEY") or stored["lookup_key"])
    if len(data_key) != 16 or len(lookup_key) < 16:
        raise ValueError("data key must be 16 bytes (SM4) and lookup key at least 16 bytes")
    signing = os.environ.get("ECREDIT_SIGNING_KEY") or stored.get("signing_key")
    if not signing:  # key files made before checkpoints were signed: add the key once
        signing = base64.b64encode(secrets.token_bytes(32)).decode()
        if stored:
            stored["signing_key"] = signing
            path.write_text(json.dumps(stored))
    return Keys(os.environ.get("ECREDIT_SECRET_KEY") or stored["django_secret"], data_key, lookup_key,
                base64.b64decode(signing))
