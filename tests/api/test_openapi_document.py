"""The OpenAPI documents tell integrators the truth: one schema per name, and the error answers are listed."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_schema_names_are_unique_across_apps():
    """ninja names OpenAPI components by class name: two schemas of one name would overwrite each other, and the
    document would describe one operation's body with another's fields."""
    import ecredit.api  # noqa: F401  (imports every router and its schemas)
    import ecredit.trace.epcis_api  # noqa: F401

    by_name = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("ecredit."):
            by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    duplicates = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not duplicates, duplicates


def test_every_operation_lists_the_error_answers(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["components"]["schemas"]["Error"]["required"] == ["code", "message"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert {"401", "403", "404", "422"} <= set(operation["responses"]), (method, path)


def test_unknown_api_paths_answer_json(client):
    for path in ("/api/v1/records/not-a-number", "/api/v1/no/such/thing", "/epcis/no/such/thing",
                 "/epcis/capture/true"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found", path
        if path.startswith("/epcis/"):
            assert response["Content-Type"] == "application/problem+json"
    assert "text/html" in client.get("/no/such/page/").headers["Content-Type"]


def test_an_unparsable_body_gets_the_error_shape(client):
    response = client.post("/api/v1/commitments/verify", data=b"{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
