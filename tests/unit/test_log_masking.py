"""Personal data never reaches the log output: e-mails, phone numbers, personal keys' values."""

from __future__ import annotations

import io
import logging

from orchestrator.security.log_masking import PersonalDataMask


def _logged(*args: object, personal_keys: tuple[str, ...] = ("chest",)) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(PersonalDataMask(personal_keys))
    logger = logging.getLogger("test.masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(*args)  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
    return out.getvalue()


def test_emails_and_phone_numbers_are_masked_in_messages_and_arguments() -> None:
    text = _logged("order for %s (call %s) placed at %s", "li.wei@example.com", "+86 138 0013 8000", "2030-05-06")
    assert "li.wei" not in text and "138" not in text
    assert "2030-05-06" in text and "order for ***" in text


def test_values_of_personal_keys_are_masked_in_dicts_and_text() -> None:
    customer = {"name": "Li Wei", "email": "li.wei@example.com", "address": "1 Long Road", "chest": 101.5}
    text = _logged("bad request body %r", {"customer": customer, "sku": "suit-mtm"})
    assert "Li Wei" not in text and "Long Road" not in text and "101.5" not in text and "example.com" not in text
    assert "suit-mtm" in text
    assert "Li Wei" not in _logged("customer name=Li address: somewhere")  # key=value text
    assert "ORD-1A2B3C4D" in _logged("order ORD-1A2B3C4D took 12345 ms")  # ids and numbers are not personal


def test_configure_logging_installs_the_mask(capsys: object) -> None:
    from orchestrator.observability.logging import configure_logging

    configure_logging("test")
    root = logging.getLogger()
    try:
        assert any(isinstance(f, PersonalDataMask) for h in root.handlers for f in h.filters)
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)


def test_credentials_are_masked_but_the_key_id_stays() -> None:
    mask = PersonalDataMask()
    key = "c2m_0123456789ab_" + "S" * 43
    assert mask.mask(f"GET /api/plant/events?access_token={key}&after=5") == \
        "GET /api/plant/events?access_token=***&after=5"
    assert mask.mask(f"refused {key}") == "refused c2m_0123456789ab_***"
    assert mask.mask("Authorization: Bearer some-bootstrap-token") == "Authorization: Bearer ***"
    assert mask.mask("/track/ORD-1?token=abcDEF123") == "/track/ORD-1?token=***"


def test_the_catalogs_personal_options_are_masked() -> None:
    mask = PersonalDataMask(["chest", "monogram"])
    assert mask.mask("options {'fabric': 'wool_navy', 'chest': 103.5, 'monogram': 'ZXY'}") == \
        "options {'fabric': 'wool_navy', 'chest': ***, 'monogram': ***}"
