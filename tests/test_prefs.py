"""Per-user preferences: the columns each screen shows are remembered."""

from __future__ import annotations

import pytest

from leadtui.store.errors import Invalid
from leadtui.store.fields import DEFAULT_COLUMNS
from tests.factories import make_user, store_for


@pytest.fixture
def two(db):  # noqa: ANN001, ANN201
    make_user(db, "li", "sales")
    make_user(db, "wang", "sales")
    return store_for(db, "li"), store_for(db, "wang")


def test_defaults_until_chosen(two) -> None:  # noqa: ANN001
    li, _ = two
    assert li.get_columns("all") == DEFAULT_COLUMNS["all"]
    assert li.get_columns("converted") == DEFAULT_COLUMNS["converted"]


def test_choice_is_remembered_per_user_and_per_screen(db, two) -> None:  # noqa: ANN001
    li, wang = two
    assert li.set_columns("all", ["contact", "wechat", "owner"]) == ("contact", "wechat", "owner")
    # a new session of the same user (another process) sees it
    assert store_for(db, "li").get_columns("all") == ("contact", "wechat", "owner")
    assert li.get_columns("converted") == DEFAULT_COLUMNS["converted"]
    assert wang.get_columns("all") == DEFAULT_COLUMNS["all"]
    wang.set_columns("converted", ("customer",))
    assert li.get_columns("converted") == DEFAULT_COLUMNS["converted"]
    assert wang.get_columns("converted") == ("customer",)
    # choosing again replaces, order kept
    li.set_columns("all", ("owner", "contact"))
    assert store_for(db, "li").get_columns("all") == ("owner", "contact")


def test_unknown_or_no_columns_are_refused_and_change_nothing(two) -> None:  # noqa: ANN001
    li, _ = two
    li.set_columns("all", ["contact", "mobile"])
    with pytest.raises(Invalid, match="Unknown columns: password, search_text"):
        li.set_columns("all", ["contact", "password", "search_text"])
    with pytest.raises(Invalid, match="at least one column"):
        li.set_columns("all", [])
    assert li.get_columns("all") == ("contact", "mobile")
