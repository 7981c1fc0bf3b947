"""Pure helpers behind the people picker and the column order."""

from typing import Any

from crm_web.app import _templates
from crm_web.formatting import Formatter
from crm_web.i18n import translate
from crm_web.pages.customer_columns import moved
from crm_web.pages.customers import shown_people
from crm_web.pages.people import canonical_id, choice_label

COLUMNS = ["status", "level", "phone"]


def test_a_column_moves_one_place_and_stops_at_the_ends() -> None:
    assert moved(COLUMNS, "up:phone") == ["status", "phone", "level"]
    assert moved(COLUMNS, "down:status") == ["level", "status", "phone"]
    assert moved(COLUMNS, "up:status") == COLUMNS
    assert moved(COLUMNS, "down:phone") == COLUMNS


def test_a_move_of_an_unshown_column_or_nonsense_changes_nothing() -> None:
    assert moved(COLUMNS, "up:tags") == COLUMNS
    assert moved(COLUMNS, "sideways:level") == COLUMNS
    assert moved(COLUMNS, "") == COLUMNS
    assert COLUMNS == ["status", "level", "phone"]  # never changed in place


def test_a_colleague_is_named_with_their_department_when_they_have_one() -> None:
    assert choice_label({"name": "王芳", "department_name": "华东销售部"}) == "王芳 · 华东销售部"
    assert choice_label({"name": "Bea", "department_name": None}) == "Bea"


def _custom_macros(locale: str = "en") -> Any:
    template = _templates().get_template("customers/_custom_fields.html")
    return template.make_module(
        {
            "t": lambda key, **values: translate(locale, key, **values),
            "fmt": Formatter(locale=locale),
        }
    )


def test_a_custom_input_carries_its_error_beside_it_under_the_form_prefix() -> None:
    field = {"key": "ext", "label": "Extension", "type": "number", "required": True,
             "help_text": None, "options": []}  # fmt: skip
    html = str(_custom_macros().custom_input(field, "eighty", "Must be a number", "new-contact-"))
    assert 'id="new-contact-custom-ext"' in html
    assert 'name="custom.ext"' in html
    assert 'value="eighty"' in html
    assert 'aria-describedby="new-contact-err-custom-ext"' in html
    assert (
        '<span class="field-error" id="new-contact-err-custom-ext">Must be a number</span>' in html
    )
    plain = str(_custom_macros().custom_input(field, None, None))  # the customer form's ids
    assert 'id="custom-ext"' in plain
    assert "aria-invalid" not in plain
    assert "field-error" not in plain


def test_a_custom_value_is_shown_as_its_type() -> None:
    show = _custom_macros().custom_value
    assert str(show({"type": "number"}, 8012)).strip() == "8,012"
    assert str(show({"type": "multi_select"}, ["hw", "sw"])).strip() == "hw, sw"
    assert str(show({"type": "checkbox"}, False)).strip() == "No"
    assert str(show({"type": "text"}, "")).strip() == ""
    assert str(show({"type": "text"}, "<b>")).strip() == "&lt;b&gt;"  # escaped


def _choices(**context: Any) -> str:
    template = _templates().get_template("people/_choices.html")
    return template.render(t=lambda key, **values: translate("en", key, **values), **context)


def test_searched_choices_keep_the_blank_first_and_choose_a_single_match() -> None:
    one = _choices(choices=[("u1", "Bea · Sales")], more=False, blank="Transfer to")
    assert one.index('<option value="">Transfer to</option>') < one.index('value="u1"')
    assert '<option value="u1" selected>Bea · Sales</option>' in one
    two = _choices(choices=[("u1", "Bea"), ("u2", "<Ben>")], more=True, blank="-")
    assert "selected" not in two
    assert "&lt;Ben&gt;" in two  # escaped
    assert "type more of the name" in two
    none = _choices(choices=[], more=False, blank="-")
    assert '<option value="" disabled>No colleague by that name</option>' in none


def test_the_customer_page_names_its_owner_and_the_timeline_authors() -> None:
    customer = {"owner_id": "o1"}
    timeline = [{"created_by": "a1"}, {"created_by": None}, {"kind": "system"}]
    assert shown_people(customer, timeline) == ["o1", "a1", None, None]
    assert canonical_id("not an id") is None
    assert canonical_id(None) is None
    assert canonical_id("A3BB189E-8BF9-3888-9912-ACE4E6543002") == (
        "a3bb189e-8bf9-3888-9912-ace4e6543002"
    )
