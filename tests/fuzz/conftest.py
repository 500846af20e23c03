"""The API world of tests/api (one caller of every kind, records and procedures to act on), for fuzzing; each test
module builds its own."""

import pytest

from tests.api.conftest import _module_world  # noqa: F401

from .fuzzing import load_schema


@pytest.fixture(scope="session")
def api_schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return load_schema("/api/v1/openapi.json")


@pytest.fixture(scope="session")
def epcis_schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return load_schema("/epcis/openapi.json")


@pytest.fixture
def world(api_schema, epcis_schema, _module_world, db):  # noqa: F811
    """The shared world, built after both OpenAPI documents were fetched."""
    return _module_world
