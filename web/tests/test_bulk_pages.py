"""The pure parts of the bulk, contacts and columns pages."""

from crm_web.pages.customer_columns import (
    COLUMNS_VIEW,
    DEFAULT_COLUMNS,
    available_columns,
    chosen_columns,
    ordinary_views,
)
from crm_web.pages.customer_contacts import contact_body

FIELDS = [
    {"key": "budget", "shown_in_list": True},
    {"key": "region", "shown_in_list": False},
]


class Form(dict[str, str]):
    pass


def test_a_new_contact_sends_what_was_filled() -> None:
    form = Form(name=" 张伟 ", title="", phones="138 0000 1111，010-62345678", is_primary="true")
    assert contact_body(form) == {
        "name": "张伟",
        "phones": ["138 0000 1111", "010-62345678"],
        "is_primary": True,
    }


def test_an_edit_sends_only_what_changed_so_masked_values_stay() -> None:
    current = {
        "name": "张伟", "title": "经理", "role": None, "email": "z***@example.com",
        "wechat": None, "birthday": None, "notes": None, "phones": ["138****1111"],
        "is_primary": True,
    }  # fmt: skip
    form = Form(
        name="张伟", title="总监", email="z***@example.com", phones="138****1111", is_primary="true"
    )
    assert contact_body(form, current) == {"title": "总监"}
    cleared = Form(name="张伟", title="", email="z***@example.com", phones="")
    assert contact_body(cleared, current) == {"title": None, "phones": [], "is_primary": False}


def test_columns_default_to_the_standard_ones_and_listed_custom_fields() -> None:
    assert chosen_columns([], "u1", FIELDS) == [*DEFAULT_COLUMNS, "custom.budget"]
    assert available_columns(FIELDS)[-2:] == ["custom.budget", "custom.region"]


def test_columns_remembered_per_user_and_left_out_of_the_view_chips() -> None:
    mine = {"name": COLUMNS_VIEW, "owner_id": "u1", "columns": ["custom.region", "gone", "level"]}
    theirs = {"name": COLUMNS_VIEW, "owner_id": "u2", "columns": ["tags"]}
    plain = {"name": "VIP", "owner_id": "u1", "columns": []}
    views = [theirs, mine, plain]
    assert chosen_columns(views, "u1", FIELDS) == ["custom.region", "level"]
    assert chosen_columns(views, "u3", FIELDS)[0] == DEFAULT_COLUMNS[0]
    assert ordinary_views(views) == [plain]
