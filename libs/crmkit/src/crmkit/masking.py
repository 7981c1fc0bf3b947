"""Masked values: what a caller without the right to see a phone or email gets instead.

Shared so every place that shows a customer's phones and emails (customers' own routes,
search results) masks them the same way."""


def mask_phone(phone: str) -> str:
    """`13812345678` -> `138****5678`: the first three and last four digits kept."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_email(email: str) -> str:
    """`zhang@example.com` -> `z***@example.com`."""
    local, at, domain = email.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_text(value: str) -> str:
    return value[:1] + "***" if value else value
