"""API field errors said in the user's language: by code and params, else the API's text."""

from crm_web.gateway import ApiError


def problem(*errors: dict[str, object]) -> ApiError:
    return ApiError(422, {"code": "invalid_input", "errors": list(errors)})


def test_a_known_code_is_said_in_the_page_language_with_its_numbers() -> None:
    error = problem(
        {
            "field": "name",
            "reason": "String should have at most 300 characters",
            "code": "string_too_long",
            "params": {"max_length": 300},
        },
        {"field": "email", "reason": "'x' is not an email address", "code": "invalid_email"},
    )
    error.locale = "zh-CN"
    assert error.field_errors == {"name": "最多 300 个字符", "email": "不是有效的电子邮箱"}
    error.locale = "en"
    assert error.field_errors == {"name": "At most 300 characters", "email": "Not an email address"}


def test_an_unknown_code_or_missing_params_keep_the_api_reason() -> None:
    error = problem(
        {"field": "a", "reason": "a customer cannot be merged into itself", "code": "self_merge"},
        {
            "field": "b",
            "reason": "String should have at most 5 characters",
            "code": "string_too_long",
        },
        {"field": "c", "reason": "is required"},
    )
    error.locale = "zh-CN"
    assert error.field_errors == {
        "a": "a customer cannot be merged into itself",
        "b": "String should have at most 5 characters",  # no max_length to say it with
        "c": "is required",
    }
    error.locale = None  # raised outside a page: the API's words
    assert problem({"field": "d", "reason": "Field required", "code": "missing"}).field_errors == {
        "d": "Field required"
    }
