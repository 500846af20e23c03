"""The electronic signature: a commitment as signed verifies, online by its code and offline with the public key;
a text changed afterwards, in the database or in someone's copy, does not."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ecredit.commitments import flows, services, signing
from ecredit.commitments.models import Commitment

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment(cast) -> Commitment:
    c = services.sign(cast["company"], commitment_type="approval_substitute", matter="食品经营许可证核发",
                      accepted_by="market_regulation")
    return flows.accept(c.code, cast["officer"])


def test_signed_commitment_verifies(cast, commitment):
    assert signing.signature_ok(commitment)
    result = services.verify(commitment.code, cast["public"])
    assert result.verdict == "valid" and result.shown
    answer = result.as_dict(cast["public"])
    assert answer["text"] == commitment.text and answer["subject_name"] == "南通甲商贸有限公司"
    # Offline: the message and the public key are all anyone needs.
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(answer["signing_key"]))
    public.verify(bytes.fromhex(answer["signature"]), answer["signed_message"].encode("ascii"))
    assert answer["signed_message"].startswith(f"ecredit-commitment:{commitment.code}:{commitment.content_digest}:")


@pytest.mark.parametrize("field, value", [
    ("text", "承诺编码：…（已删除“违诺担责”条款）"), ("matter", "另一个事项"), ("visibility", "not_public"),
    ("valid_until", "2099-12-31"), ("subject_id", None), ("signature", "00" * 64), ("signing_key", "11" * 32)])
def test_a_changed_row_fails(cast, commitment, field, value):
    if field == "subject_id":
        value = cast.subjects["outsider"].pk
    Commitment.objects.filter(pk=commitment.pk).update(**{field: value})
    changed = Commitment.objects.get(pk=commitment.pk)
    assert not signing.signature_ok(changed)
    assert services.verify(commitment.code, cast["public"]).verdict == "altered"


def test_a_copy_of_the_text_is_checked(cast, commitment):
    same = services.verify(commitment.code, cast["public"], text=commitment.text.replace("\n", "\r\n") + "\n")
    assert same.verdict == "valid"
    tampered = commitment.text.replace("违诺担责", "免责")
    assert services.verify(commitment.code, cast["public"], text=tampered).verdict == "mismatch"


def test_verification_respects_visibility(cast):
    c = services.sign(cast["company"], commitment_type="certification", matter="经营场所使用证明",
                      accepted_by="market_regulation")
    c = flows.accept(c.code, cast["officer"])
    anyone = services.verify(c.code, cast["public"])
    assert anyone.verdict == "valid" and not anyone.shown
    assert anyone.as_dict(cast["public"])["text"] == "" and anyone.as_dict(cast["public"])["subject_name"] == ""
    assert services.verify(c.code, cast["agency"]).shown
    assert services.verify(c.code, cast["company"]).shown


def test_unknown_and_malformed_codes(cast, commitment):
    assert services.verify("12345", cast["public"]).verdict == "unknown"
    other = commitment.code[:-6] + "999999"
    assert services.verify(other, cast["public"]).verdict == "unknown"
    spaced = f"{commitment.code[:6]} {commitment.code[6:14]} {commitment.code[14:]}"
    assert services.verify(spaced, cast["public"]).verdict == "valid"


def test_a_retired_key_is_trusted_only_when_named(cast, commitment, monkeypatch, settings):
    import secrets

    from ecredit.keys import Keys

    old = settings.KEYS
    settings.KEYS = Keys(old.django_secret, old.data_key, old.lookup_key, secrets.token_bytes(32))  # key rotated
    assert services.verify(commitment.code, cast["public"]).verdict == "altered"
    monkeypatch.setenv("ECREDIT_TRUSTED_LOG_KEYS", commitment.signing_key)
    assert services.verify(commitment.code, cast["public"]).verdict == "valid"
