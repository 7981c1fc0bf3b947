"""Thumbnails of images: small, upright, one per version, made once, gone with the file,
never another tenant's."""

import uuid
from datetime import timedelta
from io import BytesIO

import httpx
from files_testkit import PDF, Tenant, sha
from PIL import Image

from crm_files.db import utcnow
from crm_files.files import service
from crmkit.tenancy import tenant_context

EXIF_ORIENTATION = 0x0112
ROTATED_90_CLOCKWISE = 6


def photo(width: int, height: int, *, orientation: int | None = None) -> bytes:
    """A JPEG as a phone takes it: stored landscape, with EXIF saying "turn me upright"."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    if orientation:
        exif[EXIF_ORIENTATION] = orientation
    out = BytesIO()
    image.save(out, format="JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def transparent_png(width: int, height: int) -> bytes:
    out = BytesIO()
    Image.new("RGBA", (width, height), (0, 120, 255, 0)).save(out, format="PNG")
    return out.getvalue()


def fetched(tenant: Tenant, file_id: str, **params: int) -> Image.Image:
    answer = tenant.request("GET", f"/api/v1/files/{file_id}/thumbnail", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.json()["content_type"] == "image/webp"
    response = httpx.get(answer.json()["url"])
    assert response.status_code == 200
    image = Image.open(BytesIO(response.content))
    image.load()
    return image


def test_a_phone_photo_gets_a_small_upright_thumbnail_once(acme: Tenant, globex: Tenant) -> None:
    customer = acme.customer("Photo Co")
    big = photo(2400, 1600, orientation=ROTATED_90_CLOCKWISE)
    file_id = acme.uploaded(customer, big, name="site.jpg", content_type="image/jpeg")

    thumb = fetched(acme, file_id)
    assert thumb.format == "WEBP"
    assert thumb.size == (213, 320), "portrait, as the phone showed it, within 320 px"
    key = f"t/{acme.tenant_id}/{file_id}/1.thumb"
    assert key in acme.keys()
    made = acme.world.storage.stat(key)

    # Asked again, the same stored thumbnail answers (not made a second time).
    assert fetched(acme, file_id).size == (213, 320)
    assert acme.world.storage.stat(key) == made
    assert acme.keys().count(key) == 1

    # Another tenant holding the id finds nothing, and makes nothing.
    refused = globex.request("GET", f"/api/v1/files/{file_id}/thumbnail")
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert globex.keys() == []


def test_each_version_has_its_own_and_transparency_is_kept(acme: Tenant, globex: Tenant) -> None:
    customer = acme.customer("Logo Ltd")
    file_id = acme.uploaded(customer, transparent_png(800, 200), name="logo.png",
                            content_type="image/png")  # fmt: skip
    theirs = globex.uploaded(globex.customer("Globex Logo"), transparent_png(100, 100),
                             name="g.png", content_type="image/png")  # fmt: skip
    new_version = photo(640, 480)
    ticket = acme.request(
        "POST",
        f"/api/v1/files/{file_id}/versions",
        json={"name": "logo.jpg", "size": len(new_version), "content_type": "image/jpeg",
              "sha256": sha(new_version)},
    ).json()  # fmt: skip
    assert httpx.put(ticket["upload_url"], content=new_version).status_code == 200
    assert acme.request("POST", f"/api/v1/files/{file_id}/complete").status_code == 200

    first = fetched(acme, file_id, version=1)
    assert first.size == (320, 80)
    assert first.mode == "RGBA"
    assert first.getpixel((10, 10))[3] == 0, "still see-through"
    current = fetched(acme, file_id)
    assert current.size == (320, 240)
    assert current.mode == "RGB"
    assert fetched(globex, theirs).size == (100, 100), "a small image is not enlarged"


def test_what_is_not_an_image_has_no_thumbnail(acme: Tenant, globex: Tenant) -> None:
    customer = acme.customer("Paper Inc")
    pdf = acme.uploaded(customer, PDF)
    answer = acme.request("GET", f"/api/v1/files/{pdf}/thumbnail")
    assert answer.status_code == 404
    assert answer.json()["code"] == "no_thumbnail"
    # Bytes that claim to be a PNG but are not one: refused the same way, nothing stored.
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    fake = acme.uploaded(customer, broken, name="broken.png", content_type="image/png")
    answer = acme.request("GET", f"/api/v1/files/{fake}/thumbnail")
    assert answer.status_code == 404
    assert answer.json()["code"] == "no_thumbnail"
    assert not [k for k in acme.keys() if k.endswith(".thumb")]
    assert globex.request("GET", f"/api/v1/files/{pdf}/thumbnail").status_code == 404
    assert acme.request("GET", f"/api/v1/files/{pdf}/thumbnail",
                        params={"version": 0}).status_code == 422  # fmt: skip


def test_the_purge_takes_the_thumbnail_with_the_bytes(acme: Tenant, globex: Tenant) -> None:
    customer = acme.customer("Gone Soon")
    file_id = acme.uploaded(customer, photo(1000, 800), name="x.jpg", content_type="image/jpeg")
    kept = globex.uploaded(globex.customer("Stays"), photo(500, 500), name="y.jpg",
                           content_type="image/jpeg")  # fmt: skip
    fetched(acme, file_id)
    fetched(globex, kept)
    assert acme.request("DELETE", f"/api/v1/files/{file_id}").status_code == 204
    with tenant_context(uuid.UUID(acme.tenant_id)), acme.world.files_db.tenant_transaction() as s:
        assert service.purge(s, now=utcnow() + timedelta(days=31)) == 1
    assert acme.keys() == []
    assert f"t/{globex.tenant_id}/{kept}/1.thumb" in globex.keys()
