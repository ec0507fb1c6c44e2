"""Sealed paging cursors: a round trip for any key, nothing of the key readable, and a 422
naming the parameter for an altered or forged cursor, one made under another privacy key,
and one of another list (saying which part differs)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from fastapi.exceptions import RequestValidationError

from segmint.api.cursors import PageOf, decode_cursor, encode_cursor
from segmint.api.errors import validation_message

KEY = "cursor-tests-privacy-key-0123456789abcdefghij"
OTHER_KEY = "cursor-tests-other-key-0123456789abcdefghijkl"
OF = PageOf("rfm", "Champions", dt.date(2025, 10, 1), 3, "email", False)


def refusal(cursor: str, of: PageOf = OF, key: str = KEY) -> str:
    """The message of the 422 a cursor gets."""
    with pytest.raises(RequestValidationError) as caught:
        decode_cursor(cursor, of, key=key)
    return validation_message(caught.value).removeprefix("invalid request: ")


@pytest.mark.parametrize("after", ["C1", "p_" + "ab" * 16, "日本語 🙂", "a?b#c\\d/e%f", "x" * 2000])
def test_a_cursor_gives_back_its_key_and_shows_none_of_it(after: str) -> None:
    cursor = encode_cursor(after, OF, key=KEY)
    assert decode_cursor(cursor, OF, key=KEY) == after
    assert cursor == encode_cursor(after, OF, key=KEY)  # the same page, the same cursor
    assert after[:6] not in cursor and len(cursor) <= 3000


def test_every_altered_byte_is_refused() -> None:
    cursor = encode_cursor("C000123", OF, key=KEY)
    for at in range(len(cursor)):
        changed = "A" if cursor[at] != "A" else "B"
        altered = cursor[:at] + changed + cursor[at + 1 :]
        with pytest.raises(RequestValidationError):
            decode_cursor(altered, OF, key=KEY)


def test_a_cursor_of_another_key_says_the_key_changed() -> None:
    message = refusal(encode_cursor("C1", OF, key=OTHER_KEY))
    assert message.startswith("query cursor: this cursor was made under another privacy key")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"segment": "Loyal"}, "another segment than rfm/Loyal"),
        ({"segmentation": "lifecycle"}, "another segment than lifecycle/Champions"),
        ({"day": dt.date(2025, 12, 31)}, "as of 2025-10-01, not 2025-12-31"),
        ({"version": 4}, "results as of 2025-10-01 were stored again since its first page"),
        ({"channel": "sms"}, "the audience for email, not sms"),
        ({"pseudonymise": True}, "a list asked with pseudonymise=false"),
    ],
)
def test_a_cursor_of_another_list_is_refused_saying_what_differs(
    change: dict[str, object], reason: str
) -> None:
    message = refusal(encode_cursor("C1", OF, key=KEY), dataclasses.replace(OF, **change))
    assert (
        message.startswith("query cursor: this cursor pages another list: ") and reason in message
    )


@pytest.mark.parametrize("cursor", ["Zm9v", "AQ", "A" * 40, "aWQ6QzE"])
def test_what_this_server_did_not_seal_is_no_cursor(cursor: str) -> None:
    assert refusal(cursor).startswith("query cursor: not a cursor this endpoint handed out")
