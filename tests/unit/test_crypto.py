"""Field encryption: round trips, key rotation, clear errors, blind indexes."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from orchestrator.security.crypto import DataKeyError, FieldCipher, dev_data_key, key_id
from orchestrator.security.vault import SEALED, Vault
from orchestrator.settings import Settings

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_json_values_round_trip_and_the_token_hides_them() -> None:
    cipher = FieldCipher([OLD], index_secret="s")
    value = {"name": "Li Wei", "email": "li.wei@example.com", "chest": 101.5}
    token = cipher.encrypt_json(value)
    assert "Li Wei" not in token and "example.com" not in token
    assert cipher.decrypt_json(token) == value


def test_a_value_written_with_the_old_key_is_read_after_a_new_key_is_added_and_rotates_to_it() -> None:
    token = FieldCipher([OLD], index_secret="s").encrypt_json({"waist": 88})
    rotated_cipher = FieldCipher([NEW, OLD], index_secret="s")
    assert rotated_cipher.decrypt_json(token) == {"waist": 88}
    assert rotated_cipher.current_key_id == key_id(NEW)
    fresh = rotated_cipher.rotate(token)
    # Once re-encrypted, the old key can be dropped.
    assert FieldCipher([NEW], index_secret="s").decrypt_json(fresh) == {"waist": 88}
    with pytest.raises(DataKeyError):
        FieldCipher([NEW], index_secret="s").decrypt_json(token)


def test_the_wrong_key_fails_with_an_explanation() -> None:
    token = FieldCipher([OLD], index_secret="s").encrypt_json("x")
    with pytest.raises(DataKeyError, match=rf"ids {key_id(NEW)}\).*C2M_DATA_KEYS must still contain"):
        FieldCipher([NEW], index_secret="s").decrypt_json(token)


def test_a_malformed_key_is_named() -> None:
    with pytest.raises(DataKeyError, match="data key #2 of C2M_DATA_KEYS is not a Fernet key"):
        FieldCipher([OLD, "not-a-key"], index_secret="s")
    with pytest.raises(DataKeyError, match="no data key given"):
        FieldCipher([], index_secret="s")


def test_blind_index_is_stable_normalised_and_independent_of_the_data_keys() -> None:
    a = FieldCipher([OLD], index_secret="s")
    b = FieldCipher([NEW, OLD], index_secret="s")
    email = "li.wei@example.com"
    assert a.blind_index(" Li.Wei@Example.com ") == a.blind_index(email) == b.blind_index(email)
    assert a.blind_index(email) != a.blind_index("other@example.com")
    assert FieldCipher([OLD], index_secret="other").blind_index(email) != a.blind_index(email)


def test_dev_key_derives_from_the_secret_and_production_refuses_missing_keys() -> None:
    cipher = FieldCipher.from_config(None, "secret")
    assert cipher.keys == (dev_data_key("secret"),)
    assert FieldCipher.from_config(f" {NEW} , {OLD} ", "secret").keys == (NEW, OLD)
    with pytest.raises(ValueError, match="C2M_DATA_KEYS is not set"):
        Settings(mode="production", secret_key="x" * 40, webhook_secret="y" * 40)
    assert Settings(mode="production", secret_key="x" * 40, webhook_secret="y" * 40, data_keys=NEW).data_keys == NEW


def test_vault_seals_customer_and_only_personal_options() -> None:
    vault = Vault(FieldCipher([NEW], index_secret="s"), frozenset({"chest", "monogram"}))
    stored = vault.seal_options({"fabric": "wool_navy", "chest": 101.5, "monogram": "LW"})
    assert stored["fabric"] == "wool_navy" and set(stored) == {"fabric", SEALED}
    assert vault.open_options(stored) == {"fabric": "wool_navy", "chest": 101.5, "monogram": "LW"}
    sealed = vault.seal_customer({"name": "Li Wei", "email": "li.wei@example.com"})
    assert set(sealed) == {SEALED} and vault.open_customer(sealed)["name"] == "Li Wei"
    assert vault.open_customer({"name": "Legacy"}) == {"name": "Legacy"}  # rows older than encryption
    assert vault.customer_id("Li.Wei@example.com ").startswith("CUS-")
    assert len(vault.customer_id("li.wei@example.com")) == 20
    assert vault.withhold({"fabric": "wool_navy", "chest": 101.5}) == {"fabric": "wool_navy", "chest": "withheld"}
