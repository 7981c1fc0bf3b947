"""Small previews of images, so a file list on a phone does not fetch every full photo.

A thumbnail is made on the first ask for a version and kept beside its bytes
(`<object key>.thumb`), so it goes wherever the version goes: the purge and a tenant's
removal take it too. Versions never change once confirmed, so neither does their thumbnail.
"""

import tempfile
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

from crm_files.files.errors import NoThumbnail
from crm_files.files.models import FileVersion
from crm_files.storage import Storage

THUMBNAIL_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
THUMBNAIL_CONTENT_TYPE = "image/webp"
LONGEST_SIDE = 320
# A photo of a whiteboard is ~12 MP; far beyond this is a decompression bomb, not a photo.
MAX_SOURCE_PIXELS = 60_000_000
SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024


def thumbnail_key(object_key: str) -> str:
    return f"{object_key}.thumb"


def ensure_thumbnail(store: Storage, version: FileVersion) -> str:
    """The key of the version's thumbnail, made now if it does not exist yet."""
    if version.content_type not in THUMBNAIL_TYPES:
        raise NoThumbnail(f"{version.content_type} has no thumbnail; only images do")
    key = thumbnail_key(version.object_key)
    if store.stat(key) is None:
        # Two first asks at once both make it; the bytes are the same, the last put wins.
        store.put(key, _render(store, version.object_key), content_type=THUMBNAIL_CONTENT_TYPE)
    return key


def _render(store: Storage, object_key: str) -> bytes:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as source:
        store.download(object_key, source)
        source.seek(0)
        try:
            return shrink(source)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
            raise NoThumbnail("the image could not be read") from exc


def shrink(source: BytesIO | tempfile.SpooledTemporaryFile[bytes]) -> bytes:
    """The image turned upright (EXIF) and fitted in LONGEST_SIDE², as WebP."""
    with Image.open(source) as image:
        width, height = image.size
        if width * height > MAX_SOURCE_PIXELS:
            raise NoThumbnail(f"the image has more than {MAX_SOURCE_PIXELS} pixels")
        # JPEG can decode at 1/2, 1/4 or 1/8 scale: far less work for a large photo.
        image.draft("RGB", (LONGEST_SIDE * 2, LONGEST_SIDE * 2))
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        shown = upright.convert("RGBA" if has_alpha else "RGB")
        out = BytesIO()
        shown.save(out, format="WEBP", quality=80, method=4)
        return out.getvalue()
