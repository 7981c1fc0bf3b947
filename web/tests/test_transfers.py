"""The import wizard's and the export form's pure parts: the mapping posted back, the report's
rows not imported, the list filter an export sends."""

import csv
import io
import json

from crm_web.gateway import field_reason
from crm_web.pages.transfers import (
    export_filters,
    localised_report,
    mapping_of,
    not_imported,
    value_of,
)

REPORT = (
    "\ufeffrow,outcome,customer_id,field,reason\r\n"
    "2,created,1f0e,,\r\n"
    "3,failed,,email; phone,not an e-mail address; not a phone number\r\n"
    "4,skipped,9a9b,name,likely duplicate of an existing customer\r\n"
    "5,updated,77aa,,\r\n"
)


def test_a_report_without_codes_downloads_with_the_apis_reasons() -> None:
    lines = list(csv.reader(io.StringIO(localised_report(REPORT, english).decode("utf-8-sig"))))
    assert lines[2] == ["3", "failed", "", "email; phone",
                        "not an e-mail address; not a phone number"]  # fmt: skip


def test_the_posted_mapping_names_only_the_columns_given_a_field() -> None:
    columns = ["客户名称", "Phone", "Remark", "Phone 2"]
    fields = ["name", "phone", "", "phone"]
    assert mapping_of(columns, fields) == {"客户名称": "name", "Phone": "phone", "Phone 2": "phone"}


def english(error: dict[str, object]) -> str:
    return str(error["reason"])


def chinese(error: dict[str, object]) -> str:
    return field_reason(error, "zh-CN")


def _coded_report() -> str:
    """A report as the API writes it now: the errors again as JSON, with codes and params."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "outcome", "customer_id", "field", "reason", "errors"])
    writer.writerow(["2", "created", "1f0e", "", "", ""])
    bad = [
        {"field": "email", "reason": "'x' is not an email address", "code": "invalid_email"},
        {"field": "level", "reason": "'z' is not a level of this tenant",
         "code": "not_in_dictionary", "params": {"value": "z"}},
        {"field": "notes", "reason": "something new", "code": "no_message_for_this"},
    ]  # fmt: skip
    writer.writerow(["3", "failed", "", "email; level; notes", "…", json.dumps(bad)])
    duplicate = [{"field": "name", "reason": "likely duplicate", "code": "likely_duplicate"}]
    writer.writerow(["4", "skipped", "9a9b", "name", "…", json.dumps(duplicate)])
    return "\ufeff" + out.getvalue()


def _rows_page() -> list[dict[str, object]]:
    """A page of `GET imports/{id}/rows` as the API answers it."""
    bad = [
        {"field": "email", "reason": "'x' is not an email address", "code": "invalid_email"},
        {"field": "level", "reason": "'z' is not a level of this tenant",
         "code": "not_in_dictionary", "params": {"value": "z"}},
        {"field": "custom.tax_no", "reason": "something new", "code": "no_message_for_this"},
    ]  # fmt: skip
    duplicate = [{"field": "name", "reason": "likely duplicate", "code": "likely_duplicate"}]
    return [
        {"row": 3, "outcome": "failed", "customer_id": None, "errors": bad},
        {"row": 4, "outcome": "skipped", "customer_id": "9a9b", "errors": duplicate},
        {"row": 5, "outcome": "failed", "customer_id": None, "errors": []},
    ]


def test_rows_not_imported_show_field_labels_and_reasons_in_the_users_language() -> None:
    labels = {"email": "电子邮箱", "name": "客户名称", "custom.tax_no": "税号"}
    rows = not_imported(_rows_page(), chinese, labels)
    assert [(r["row"], r["outcome"], r["customer_id"], r["problems"]) for r in rows] == [
        (3, "failed", "", [("电子邮箱", "不是有效的电子邮箱"), ("level", "“z”不是本公司的可选值"),
                           ("税号", "something new")]),
        (4, "skipped", "9a9b", [("客户名称", "疑似与已有客户重复")]),
        (5, "failed", "", [("", "")]),
    ]  # fmt: skip


def test_report_reasons_are_worded_in_the_users_language_from_their_codes() -> None:
    downloaded = localised_report(_coded_report(), chinese)
    assert downloaded.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(downloaded.decode("utf-8-sig"))))
    assert lines == [
        ["row", "outcome", "customer_id", "field", "reason"],
        ["2", "created", "1f0e", "", ""],
        ["3", "failed", "", "email; level; notes",
         "不是有效的电子邮箱; “z”不是本公司的可选值; something new"],
        ["4", "skipped", "9a9b", "name", "疑似与已有客户重复"],
    ]  # fmt: skip
    in_english = localised_report(_coded_report(), lambda e: field_reason(e, "en"))
    assert "Likely duplicate of an existing customer" in in_english.decode("utf-8-sig")


def test_an_export_sends_the_lists_filter_and_the_chosen_ids() -> None:
    filters = export_filters(
        ["name", "level", "city", "tags"],
        ["contains", "eq", "is_empty", "in"],
        ["Acme", "", "", "vip,new"],
        " Ltd ",
        ["a1", " ", "b2"],
    )
    # An empty value drops the condition, as on the list; is_empty needs none.
    assert filters == [
        "name:contains:Acme", "city:is_empty:true", "tags:in:vip,new", "name:contains:Ltd",
        "id:in:a1,b2",
    ]  # fmt: skip
    assert export_filters([], [], [], "", []) == []


def test_preview_values_are_found_under_the_apis_names() -> None:
    values = {
        "name": "Acme", "phones": ["13812345678", "13912345678"], "custom": {"vip": True},
        "contact": {"name": "Li Lei"}, "latitude": 31.2,
    }  # fmt: skip
    assert value_of(values, "phone") == "13812345678, 13912345678"
    assert value_of(values, "custom.vip") == "✓"
    assert value_of(values, "contact.name") == "Li Lei"
    assert value_of(values, "latitude") == "31.2"
    assert value_of(values, "email") == ""
