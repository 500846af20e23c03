"""The API world of tests/api (one caller of every kind, records and procedures to act on), for fuzzing."""

from tests.api.conftest import _module_world, world  # noqa: F401
