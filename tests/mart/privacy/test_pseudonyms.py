"""Keyed pseudonyms: stable per key and label, rotatable, unusable without the key."""

from __future__ import annotations

from collections.abc import Callable

import ibis
import pytest

import segmint
from segmint.exceptions import SchemaError
from segmint.mart import Mart
from segmint.mart.privacy import pseudonym, pseudonymise, pseudonymise_column
from segmint.mart.privacy.keys import (
    ENV_KEY,
    MIN_KEY_LENGTH,
    PrivacyKey,
    PrivacyKeyError,
    normalise_email,
    privacy_key,
)
from segmint.mart.scratch import scratch_scope

from .conftest import KEY

OTHER_KEY = "another-privacy-key-abcdefghijklmnopqrstuvwxyz012345"


def test_a_pseudonym_is_stable_for_one_key_and_label() -> None:
    first = pseudonymise(["c1", "c2", "c1"])
    assert first[0] == first[2] != first[1]
    assert first == pseudonymise(["c1", "c2", "c1"], key=KEY)
    assert first[0].startswith("p_") and len(first[0]) == 34
    assert "c1" not in first[0]


def test_another_label_or_key_gives_unrelated_pseudonyms() -> None:
    base = pseudonym("c1")
    assert pseudonym("c1", label="exports-2027") != base
    assert pseudonym("c1", key=OTHER_KEY) != base
    assert pseudonym("c1", label="audit") != base  # the audit log's names differ from exports'


def test_a_column_is_replaced_in_the_engine() -> None:
    with segmint.connect(":memory:") as mart:
        table = ibis.memtable({"customer_id": ["c1", "c2", None], "segment": ["a", "b", "c"]})
        out = pseudonymise_column(mart, table).to_pandas().sort_values("segment")
        assert list(out.columns) == ["customer_id", "segment"]
        assert out.customer_id.tolist()[:2] == pseudonymise(["c1", "c2"])
        assert out.customer_id.isna().tolist() == [False, False, True]
        with pytest.raises(SchemaError, match="no such column"):
            pseudonymise_column(mart, table, "client")


def test_the_engine_keeps_no_lookup_of_pseudonyms_once_read(
    engine_objects: Callable[[Mart], tuple[int, int]],
) -> None:
    # a server pseudonymises an audience per request on one long-lived connection
    with segmint.connect(":memory:") as mart:
        mart.raw.execute(
            "CREATE TABLE members AS SELECT 'c' || range AS customer_id FROM range(50)"
        )
        before = engine_objects(mart)
        for _ in range(3):
            with scratch_scope(mart):
                out = pseudonymise_column(mart, mart.table("members")).to_pyarrow()
                assert engine_objects(mart)[0] == before[0] + 1  # the lookup, while read
            assert out.num_rows == 50 and out.column("customer_id")[0].as_py().startswith("p_")
            assert engine_objects(mart) == before


def test_without_a_key_there_are_no_pseudonyms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_KEY)
    with pytest.raises(PrivacyKeyError, match=f"{ENV_KEY} is not set.*secrets.token_urlsafe"):
        pseudonym("c1")


def test_a_short_key_is_refused() -> None:
    with pytest.raises(PrivacyKeyError, match=f"at least {MIN_KEY_LENGTH}"):
        privacy_key("short")
    assert KEY not in repr(PrivacyKey(KEY.encode()))  # never printed by accident


def test_key_ids_name_keys_without_revealing_them() -> None:
    key = privacy_key(KEY)
    assert key.key_id == privacy_key(KEY).key_id != privacy_key(OTHER_KEY).key_id
    assert len(key.key_id) == 16 and key.key_id not in KEY


def test_emails_are_compared_normalised() -> None:
    assert normalise_email("  Ann.Lee@Example.COM ") == "ann.lee@example.com"
    assert normalise_email("ａｎｎ@example.com") == "ann@example.com"  # full-width letters
