"""Webhook signatures: HMAC-SHA256 over "{t}.{body}", refused when bad, stale or malformed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestrator.webhooks import (
    BadSignature,
    MalformedSignature,
    StaleSignature,
    WebhookSignatureError,
    sign,
    verify,
)
from simulators.suppliers.signing import signature_header

SECRET = "s3cret-for-tests"
BODY = b'{"ID":"DA-1","OrderReference":{"ID":"PO-1"}}'
NOW = 1_750_000_000.0


def test_a_signature_verifies_against_the_same_body_and_secret() -> None:
    header = sign(SECRET, BODY, NOW)
    assert header.startswith(f"t={int(NOW)},v1=")
    verify(SECRET, header, BODY, NOW + 10)
    verify(SECRET, header, BODY.decode(), datetime.fromtimestamp(NOW, tz=UTC))  # str body, datetime now


def test_the_simulator_signs_exactly_as_the_core_verifies() -> None:
    assert signature_header(SECRET, BODY, int(NOW)) == sign(SECRET, BODY, NOW)


@pytest.mark.parametrize(
    "body, secret",
    [(BODY + b" ", SECRET), (BODY.replace(b"PO-1", b"PO-2"), SECRET), (BODY, "another-secret")],
    ids=["body-changed", "body-tampered", "wrong-secret"],
)
def test_a_changed_body_or_another_secret_is_a_bad_signature(body: bytes, secret: str) -> None:
    with pytest.raises(BadSignature, match="does not match"):
        verify(secret, sign(SECRET, BODY, NOW), body, NOW)


def test_a_changed_timestamp_breaks_the_signature() -> None:
    digest = sign(SECRET, BODY, NOW).split("v1=")[1]
    with pytest.raises(BadSignature):
        verify(SECRET, f"t={int(NOW) + 1},v1={digest}", BODY, NOW)


@pytest.mark.parametrize("skew", [301, -301, 86_400])
def test_old_or_future_signatures_are_stale(skew: int) -> None:
    with pytest.raises(StaleSignature, match="tolerance"):
        verify(SECRET, sign(SECRET, BODY, NOW), BODY, NOW + skew)


def test_the_tolerance_is_adjustable() -> None:
    verify(SECRET, sign(SECRET, BODY, NOW), BODY, NOW + 900, tolerance_seconds=1000)
    with pytest.raises(StaleSignature):
        verify(SECRET, sign(SECRET, BODY, NOW), BODY, NOW + 5, tolerance_seconds=1)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "v1=abc",
        f"t={int(NOW)}",
        f"t=yesterday,v1={'0' * 64}",
        f"t={int(NOW)},t={int(NOW)},v1={'0' * 64}",
        f"t={int(NOW)};v1={'0' * 64}",
        "garbage",
    ],
    ids=["missing", "empty", "blank", "no-t", "no-v1", "t-not-number", "two-t", "bad-separator", "garbage"],
)
def test_malformed_headers_are_refused(header: str | None) -> None:
    with pytest.raises(MalformedSignature):
        verify(SECRET, header, BODY, NOW)


def test_any_matching_v1_is_enough_during_secret_rotation() -> None:
    good = sign(SECRET, BODY, NOW).split("v1=")[1]
    old = sign("old-secret", BODY, NOW).split("v1=")[1]
    verify(SECRET, f"t={int(NOW)},v1={old},v1={good}", BODY, NOW)
    verify(SECRET, f"t={int(NOW)},v0=legacy,v1={good}", BODY, NOW)  # unknown schemes are ignored


def test_non_ascii_signatures_are_bad_not_a_crash() -> None:
    with pytest.raises(BadSignature):
        verify(SECRET, f"t={int(NOW)},v1=ÿÿÿ", BODY, NOW)


def test_every_refusal_is_a_webhook_signature_error() -> None:
    for error in (BadSignature, MalformedSignature, StaleSignature):
        assert issubclass(error, WebhookSignatureError)


def test_an_empty_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="C2M_WEBHOOK_SECRET"):
        sign("", BODY, NOW)
    with pytest.raises(ValueError, match="C2M_WEBHOOK_SECRET"):
        verify("", sign(SECRET, BODY, NOW), BODY, NOW)
