"""The routing table: which service owns which public resource, from configuration.

`CRM_GATEWAY_SERVICES` maps service names to base URLs and `CRM_GATEWAY_ROUTES` maps the
first path segment after `/api/v1/` to a service name (portal routes may name their second
segment: `portal/tickets`). New resources join by configuration, not by code in the gateway.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

API_PREFIX = "/api/v1/"
PORTAL_SEGMENT = "portal"
AUTH_SEGMENT = "auth"
SIGNUP_SEGMENT = "signup"
# Identity refuses these as tenant slugs, so the gateway never reads them as one.
RESERVED_SUBDOMAINS = frozenset(
    {"www", "api", "app", "admin", "auth", "login", "static", "assets", "mail", "portal", "status"}
)

DEFAULT_SERVICES = {
    "identity": "http://127.0.0.1:8101",
    "customers": "http://127.0.0.1:8102",
    "sales": "http://127.0.0.1:8103",
    "service-desk": "http://127.0.0.1:8104",
    "files": "http://127.0.0.1:8105",
    "search": "http://127.0.0.1:8106",
}

_OWNED = {
    "identity": [
        "signup", "auth", "me", "tenant", "departments", "positions", "users", "roles",
        "permission-catalogue", "api-keys", "sessions", "audit-events", "portal-accounts",
        "portal",
    ],
    "customers": [
        "customers", "contacts", "custom-fields", "pools", "imports", "exports", "follow-ups",
        "activities", "feedback", "tasks", "tags", "categories", "duplicate-rules", "care",
    ],
    "sales": [
        "leads", "opportunities", "pipelines", "products", "price-books", "quotes",
        "contracts", "orders", "receivable-plans", "payments", "approvals", "targets",
        "campaigns",
    ],
    "service-desk": [
        "tickets", "sla-policies", "surveys", "knowledge-base",
        "portal/tickets", "portal/knowledge-base",
    ],
    "files": ["files"],
    "search": ["search", "reports", "dashboards"],
}  # fmt: skip
DEFAULT_ROUTES = {resource: service for service, names in _OWNED.items() for resource in names}

DEFAULT_PUBLIC_ROUTES = [
    "POST /api/v1/signup",
    "GET /api/v1/signup/{slug}",
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/portal/auth/login",
    "POST /api/v1/portal/auth/refresh",
    "GET /.well-known/jwks.json",
]


@dataclass(frozen=True)
class Route:
    service: str
    base_url: str
    public: bool
    portal: bool
    auth: bool


def _pattern(rule: str) -> tuple[str, re.Pattern[str]]:
    method, _, path = rule.strip().partition(" ")
    regex = re.escape(path.strip()).replace(r"\{", "{").replace(r"\}", "}")
    regex = re.sub(r"{[^/{}]+}", "[^/]+", regex)
    return method.upper(), re.compile(f"{regex}/?")


class RoutingTable:
    def __init__(
        self,
        *,
        services: Mapping[str, str],
        routes: Mapping[str, str],
        public: Iterable[str],
    ) -> None:
        unknown = sorted(set(routes.values()) - set(services))
        if unknown:
            raise ValueError(f"CRM_GATEWAY_ROUTES names unknown services: {unknown}")
        self.services = {name: url.rstrip("/") for name, url in services.items()}
        self.routes = dict(routes)
        self._public = [_pattern(rule) for rule in public]

    def resolve(self, *, method: str, path: str) -> Route | None:
        """The route of an `/api/v1/...` path, or None when no service owns it."""
        if not path.startswith(API_PREFIX):
            return None
        segments = path[len(API_PREFIX) :].split("/")
        portal = segments[0] == PORTAL_SEGMENT
        service = None
        if portal and len(segments) > 1:
            service = self.routes.get(f"{PORTAL_SEGMENT}/{segments[1]}")
        service = service or self.routes.get(segments[0])
        if service is None or not segments[0]:
            return None
        resource = segments[1] if portal and len(segments) > 1 else segments[0]
        return Route(
            service=service,
            base_url=self.services[service],
            public=self.is_public(method=method, path=path),
            portal=portal,
            # Polling a sign-up's status is not a guess at a password: it keeps the normal rate.
            auth=resource == AUTH_SEGMENT or (resource == SIGNUP_SEGMENT and method != "GET"),
        )

    def is_public(self, *, method: str, path: str) -> bool:
        return any(
            method.upper() == rule_method and pattern.fullmatch(path)
            for rule_method, pattern in self._public
        )

    def owns(self, *, service: str, path: str) -> bool:
        """Whether the gateway sends `path` (an OpenAPI path template) to `service`."""
        route = self.resolve(method="GET", path=path)
        return route is not None and route.service == service
