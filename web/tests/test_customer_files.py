"""The files panel's pure helpers: sizes as people read them, which types preview, and a
download name that cannot break out of its header."""

from crm_web.pages.customer_files import content_disposition, human_size, preview_kind


def test_sizes_read_in_powers_of_1024() -> None:
    assert human_size(0) == "0 B"
    assert human_size(1023) == "1023 B"
    assert human_size(1536) == "1.5 KB"
    assert human_size(5 * 1024 * 1024) == "5 MB"
    assert human_size(3 * 1024**4) == "3072 GB"
    assert human_size(None) == ""
    assert human_size(-1) == ""


def test_only_images_and_pdfs_preview() -> None:
    assert preview_kind("image/png") == "image"
    assert preview_kind("image/webp") == "image"
    assert preview_kind("application/pdf") == "pdf"
    assert preview_kind("image/svg+xml") is None  # scriptable: never shown inline
    assert preview_kind("text/html") is None
    assert preview_kind(None) is None


def test_download_names_are_quoted_and_encoded() -> None:
    assert content_disposition("报价单.pdf", inline=True) == (
        "inline; filename=\"___.pdf\"; filename*=UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95.pdf"
    )
    header = content_disposition('a"b\\c\r\n.txt', inline=False)
    assert header.startswith('attachment; filename="a_b_c__.txt"; ')
    assert "\r" not in header
    assert "\n" not in header
