"""Shielding hides a review's text on a stated ground; nothing is ever deleted; every shielding is logged."""

from __future__ import annotations

import pytest

from ecredit.audit.models import ChangeLogEntry
from ecredit.audit.services import verify
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.marketplace import services
from ecredit.marketplace.models import Rating, ReviewShield

from .conftest import order, rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(market):
    services.submit_orders([order("O1")], market.principal)
    batch = services.submit_ratings([rating("O1", "bad", text="店主电话13812345678，加微信返现")], market.principal)
    return Rating.objects.get(pk=batch.ids[0])


def test_shielding_keeps_everything_and_hides_the_text(market, review):
    item = services.shield(review.pk, market.principal, "personal_data", "评价中含有手机号码")
    stored = Rating.objects.get(pk=review.pk)
    assert stored.text == review.text and stored.value == "bad" and Rating.objects.count() == 1
    assert item.reference.startswith("《浙江省电子商务条例》第十九条第三款")
    shown = services.present(stored)
    assert shown["shielded"] and shown["text"] == "" and shown["value"] == "bad" and shown["dsr"] == [5, 5, 5]
    entry = ChangeLogEntry.objects.get(seq=item.log_seq)
    assert (entry.action, entry.model, entry.object_id) == ("shield", "marketplace.reviewshield", item.pk)
    assert verify().ok


def test_a_shielding_removed_behind_the_log_is_found(market, review):
    services.shield(review.pk, market.principal, "advertising")
    ReviewShield.objects.all().delete()
    result = verify()
    assert not result.ok and "deleted" in result.problem


def test_ground_must_be_one_of_the_policy(market, review):
    with pytest.raises(ValidationFailed) as exc:
        services.shield(review.pk, market.principal, "bad_for_business")
    assert (exc.value.field, exc.value.code) == ("ground", "unknown_ground")
    assert not ReviewShield.objects.exists()


def test_a_review_is_shielded_once(market, review):
    services.shield(review.pk, market.principal, "off_topic")
    with pytest.raises(Conflict):
        services.shield(review.pk, market.admin, "abusive")


def test_who_may_shield(market, review, officer):
    with pytest.raises(Forbidden):
        services.shield(review.pk, market.other_principal, "off_topic")   # another platform's review
    with pytest.raises(Forbidden):
        services.shield(review.pk, officer, "off_topic")                  # departments do not shield
    with pytest.raises(NotFound):
        services.shield(999_999, market.admin, "off_topic")
    services.shield(review.pk, market.admin, "unlawful")                 # the credit office may


def test_no_path_deletes_a_rating(market, review):
    """The admin only reads, and no service or endpoint deletes or edits a rating."""
    from django.contrib import admin

    model_admin = admin.site._registry[Rating]
    assert not model_admin.has_delete_permission(None) and not model_admin.has_change_permission(None)
    from ecredit.marketplace.api import router

    methods = {method for path_ops in router.path_operations.values() for op in path_ops.operations
               for method in op.methods}
    assert methods <= {"GET", "POST"}
