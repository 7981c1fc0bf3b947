"""Keys that make likely duplicates equal: company names, phones, emails.

A company name is folded to half width (NFKC), lower case, without spaces or punctuation,
then stripped of legal-form suffixes (有限公司, 股份有限公司, Co., Ltd., Inc., ...) and of
generic words that English names add to a Chinese name's romanisation ("Tech",
"Technology"), so 北京华强科技有限公司, 北京华强科技 and "Beijing Huaqiang Tech Co., Ltd."
reduce to comparable keys: `北京华强科技` for the first two, `beijinghuaqiangtech` (and
`huaqiangtech` without the city) for the third.
"""

import re
import unicodedata

# Longest first: the first suffix that matches is removed, then again until none does.
_SUFFIXES = sorted(
    {
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "集团公司",
        "集团",
        "公司",
        "分公司",
        "coltd",
        "colimited",
        "companylimited",
        "corporation",
        "company",
        "limited",
        "corp",
        "inc",
        "llc",
        "ltd",
        "plc",
        "gmbh",
        "co",
    },
    key=len,
    reverse=True,
)
_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)
# Region prefixes often left out of a name (北京华强 vs 华强) are kept: two customers in
# different cities with the same trade name are not assumed to be one.


def company_key(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    folded = re.sub(r"[(（][^)）]*[)）]", "", folded)  # (中国), (Beijing) branch remarks
    key = _STRIP.sub("", folded)
    changed = True
    while changed and key:
        changed = False
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
                changed = True
                break
    return key


def person_key(name: str) -> str:
    return _STRIP.sub("", unicodedata.normalize("NFKC", name).casefold())


def phone_key(phone: str) -> str:
    """Digits only, without a leading +86 / 0086 (China's country code)."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix) :]
    return digits


def email_key(email: str) -> str:
    return unicodedata.normalize("NFKC", email).strip().casefold()
