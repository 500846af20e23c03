from tests.portal.conftest import town  # noqa: F401  (a small archive with records and a shop)
