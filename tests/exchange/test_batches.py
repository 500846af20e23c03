"""Batches through the exchange service: a re-sent batch id answers from what was received, by content."""

from __future__ import annotations


import pytest

from ecredit.archive.models import CreditRecord
from ecredit.exchange import services
from ecredit.exchange.models import Batch
from ecredit.kit.canonical import canonical_json
from ecredit.kit.crypto import sm3_hex
from ecredit.kit.errors import Conflict
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_batch_keeps_the_hash_of_its_records(officer):
    records = [f.penalty("K1"), f.penalty("K2")]
    batch = services.submit(records, officer, channel="api", client_batch_id="K")
    assert batch.content_hash == sm3_hex(canonical_json(records))
    assert Batch.objects.get(pk=batch.pk).content_hash == batch.content_hash


def test_replay_with_the_same_content_returns_the_first_batch(officer):
    records = [f.penalty("K1"), f.penalty("K2")]
    first = services.submit(records, officer, channel="api", client_batch_id="K")
    again = services.submit([dict(r) for r in records], officer, channel="api", client_batch_id=" K ")
    assert again.pk == first.pk and again.replayed and not first.replayed
    assert Batch.objects.count() == 1


def test_replay_with_other_content_is_a_conflict(officer):
    services.submit([f.penalty("K1"), f.penalty("K2")], officer, channel="api", client_batch_id="K")
    for other in ([f.penalty("K1")], [f.penalty("K2"), f.penalty("K1")], [f.penalty("K1"), f.penalty("K3")], []):
        with pytest.raises(Conflict) as exc:
            services.submit(other, officer, channel="api", client_batch_id="K")
        assert exc.value.code == "batch_id_reused" and exc.value.http_status == 409
        assert exc.value.field == "batch_id" and "K" in str(exc.value.message)
    assert Batch.objects.count() == 1 and not CreditRecord.objects.filter(source_record_id="K3").exists()


def test_the_same_id_in_another_organisation_is_not_a_replay(officer, other_department):
    services.submit([f.penalty("K1")], officer, channel="api", client_batch_id="K")
    other = f.principal("department_officer", other_department)
    batch = services.submit([f.penalty("K9")], other, channel="api", client_batch_id="K")
    assert not batch.replayed and Batch.objects.count() == 2


def test_batches_sent_before_hashes_were_kept_still_replay(officer):
    first = services.submit([f.penalty("K1")], officer, channel="api", client_batch_id="K")
    Batch.objects.filter(pk=first.pk).update(content_hash="")
    again = services.submit([f.penalty("K2")], officer, channel="api", client_batch_id="K")
    assert again.pk == first.pk and again.replayed
