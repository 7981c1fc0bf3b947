"""One OpenAPI document for the whole public API, merged from every service's own.

Only the `/api/v1` paths the routing table sends to a service are taken from it; component
names two services define differently are prefixed with the service name.
"""

import asyncio
import copy
import time
from collections.abc import Mapping
from typing import Any

import httpx

from crm_gateway.routes import RoutingTable

_REF_PREFIX = "#/components/"
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
BEARER = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            key: renames.get(value, value) if key == "$ref" and isinstance(value, str)
            else _rewrite_refs(value, renames)
            for key, value in node.items()
        }  # fmt: skip
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _renames(specs: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Per service, `#/components/<section>/<name>` refs that must take a prefixed name."""
    seen: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for service, spec in specs.items():
        for section, items in (spec.get("components") or {}).items():
            for name, body in (items or {}).items():
                seen.setdefault((section, name), []).append((service, body))
    renames: dict[str, dict[str, str]] = {service: {} for service in specs}
    for (section, name), owners in seen.items():
        if all(body == owners[0][1] for _, body in owners):
            continue
        for service, _ in owners:
            old = f"{_REF_PREFIX}{section}/{name}"
            renames[service][old] = f"{_REF_PREFIX}{section}/{service}.{name}"
    return renames


def merge(
    specs: Mapping[str, dict[str, Any]],
    *,
    table: RoutingTable,
    unavailable: list[str],
) -> dict[str, Any]:
    renames = _renames(specs)
    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {"securitySchemes": copy.deepcopy(BEARER)}
    tags: dict[str, Any] = {}
    for service, raw in sorted(specs.items()):
        spec = _rewrite_refs(raw, renames[service])
        for path, item in (spec.get("paths") or {}).items():
            if table.owns(service=service, path=path):
                paths[path] = _secured(path, item, table=table)
        for section, items in (spec.get("components") or {}).items():
            target = components.setdefault(section, {})
            for name, body in (items or {}).items():
                ref = f"{_REF_PREFIX}{section}/{name}"
                new = renames[service].get(ref, ref).removeprefix(f"{_REF_PREFIX}{section}/")
                target[new] = body
        for tag in spec.get("tags") or []:
            tags.setdefault(tag.get("name"), tag)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "CRM public API", "version": "v1"},
        "paths": dict(sorted(paths.items())),
        "components": components,
    }
    if tags:
        document["tags"] = list(tags.values())
    if unavailable:
        document["info"]["x-unavailable-services"] = sorted(unavailable)
    return document


def _secured(path: str, item: dict[str, Any], *, table: RoutingTable) -> dict[str, Any]:
    result = dict(item)
    for method, operation in item.items():
        if method in _METHODS and isinstance(operation, dict) and "security" not in operation:
            public = table.is_public(method=method, path=path)
            result[method] = {**operation, "security": [] if public else [{"bearerAuth": []}]}
    return result


class OpenApiAggregator:
    def __init__(
        self, *, client: httpx.AsyncClient, table: RoutingTable, cache_seconds: float
    ) -> None:
        self._client = client
        self._table = table
        self._cache_seconds = cache_seconds
        self._cached: tuple[float, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    async def document(self) -> dict[str, Any]:
        async with self._lock:
            now = time.monotonic()
            if self._cached is None or self._cached[0] < now:
                self._cached = (now + self._cache_seconds, await self._build())
            return self._cached[1]

    async def _build(self) -> dict[str, Any]:
        owners = sorted(set(self._table.routes.values()))
        answers = await asyncio.gather(*(self._fetch(service) for service in owners))
        specs = {service: spec for service, spec in zip(owners, answers, strict=True) if spec}
        unavailable = [service for service in owners if service not in specs]
        return merge(specs, table=self._table, unavailable=unavailable)

    async def _fetch(self, service: str) -> dict[str, Any] | None:
        try:
            response = await self._client.get(
                f"{self._table.services[service]}/openapi.json", timeout=5.0
            )
            response.raise_for_status()
            spec = response.json()
        except (httpx.HTTPError, ValueError):
            return None
        return spec if isinstance(spec, dict) else None
