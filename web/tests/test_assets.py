"""Assets reach the browser compressed and, at their fingerprinted address, cached for good."""

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from crm_web.assets import IMMUTABLE, STATIC, asset_url, static_files

client = TestClient(Starlette(routes=[Mount("/static", app=static_files())]))


def test_an_asset_at_its_fingerprint_is_cached_for_a_year_and_compressed() -> None:
    url = asset_url("vendor/htmx.min.js")
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["content-encoding"] == "gzip"
    assert (
        int(response.headers["content-length"]) < (STATIC / "vendor/htmx.min.js").stat().st_size / 2
    )
    assert response.content == (STATIC / "vendor/htmx.min.js").read_bytes()  # httpx inflates it


def test_a_stale_or_missing_fingerprint_is_not_cached_for_good() -> None:
    stale = client.get("/static/app.css?v=0000000000000000")
    plain = client.get("/static/app.css")
    assert stale.status_code == plain.status_code == 200
    assert "cache-control" not in stale.headers
    assert "cache-control" not in plain.headers
    assert client.get(asset_url("app.css").replace("app.css", "nope.css")).status_code == 404


def test_the_fingerprint_follows_the_bytes() -> None:
    assert asset_url("app.css") != asset_url("app.js")
    assert asset_url("app.css") == asset_url("app.css")
