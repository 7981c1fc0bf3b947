"""Tenant resolution from the `Host` subdomain: `<slug>.<base domain>`.

The gateway asks identity once per slug (then caches) which tenant a slug names, so a
token of tenant A is refused on tenant B's host without a catalogue query per request.
"""

import time
import uuid

import httpx

from crm_gateway.problems import UpstreamUnavailable
from crmkit.errors import TenantNotFound

_SLUG = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def host_slug(host: str | None, *, base_domain: str | None, reserved: frozenset[str]) -> str | None:
    """The tenant slug of a `Host` header, or None when the host is no tenant's subdomain."""
    if not host or not base_domain:
        return None
    name = host.strip().lower().rstrip(".")
    if name.startswith("["):
        return None
    name = name.rsplit(":", 1)[0] if ":" in name else name
    suffix = "." + base_domain.strip(".").lower()
    if not name.endswith(suffix):
        return None
    slug = name[: -len(suffix)]
    if not slug or "." in slug or slug in reserved or not set(slug) <= _SLUG:
        return None
    return slug


class TenantDirectory:
    def __init__(
        self,
        *,
        client: httpx.AsyncClient,
        identity_url: str,
        lookup_path: str,
        cache_seconds: float,
    ) -> None:
        self._client = client
        self._identity_url = identity_url.rstrip("/")
        self._lookup_path = lookup_path
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, uuid.UUID | None]] = {}

    async def tenant_id(self, slug: str) -> uuid.UUID:
        """The tenant a slug names; `TenantNotFound` for an unknown slug."""
        now = time.monotonic()
        cached = self._cache.get(slug)
        if cached is None or cached[0] < now:
            cached = (now + self._cache_seconds, await self._lookup(slug))
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[slug] = cached
        if cached[1] is None:
            raise TenantNotFound(f"no tenant {slug!r}")
        return cached[1]

    async def _lookup(self, slug: str) -> uuid.UUID | None:
        url = self._identity_url + self._lookup_path.replace("{slug}", slug)
        try:
            response = await self._client.get(url)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(
                f"identity did not answer the tenant lookup: {type(exc).__name__}",
                service="identity",
            ) from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise UpstreamUnavailable(
                f"identity answered the tenant lookup with {response.status_code}",
                service="identity",
            )
        try:
            return uuid.UUID(str(response.json()["tenant_id"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise UpstreamUnavailable(
                "identity's tenant lookup carries no tenant_id", service="identity"
            ) from exc
