"""Static assets: compressed on the way out, and addressed by their content so a browser
keeps them for a year instead of asking again on every page.

Only assets are compressed, never pages: a page holds the visitor's CSRF token beside text
an attacker can choose, which compression would leak length by length (BREACH).
"""

import hashlib
from functools import cache
from pathlib import Path

from starlette.datastructures import QueryParams
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope

STATIC = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


@cache
def fingerprint(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:16]


def asset_url(path: str) -> str:
    """`/static/app.css?v=<hash of its bytes>`: a new file is a new address."""
    return f"/static/{path}?v={fingerprint(path)}"


class _FingerprintedFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        version = QueryParams(scope.get("query_string", b"").decode("latin-1")).get("v")
        if version and response.status_code in (200, 304) and version == fingerprint(path):
            response.headers["Cache-Control"] = IMMUTABLE
        return response


def static_files() -> ASGIApp:
    return GZipMiddleware(_FingerprintedFiles(directory=STATIC), minimum_size=1024)
