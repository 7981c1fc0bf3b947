"""What a request must pass before it is forwarded: rate limits, token, kind, tenant."""

from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from crm_gateway.limits import RateLimiter, retry_after
from crm_gateway.problems import (
    GatewayUnauthenticated,
    RateLimited,
    TenantMismatch,
    WrongAudienceKind,
)
from crm_gateway.routes import Route
from crm_gateway.security import client_ip
from crm_gateway.settings import GatewaySettings
from crm_gateway.tenants import TenantDirectory, host_slug
from crmkit.auth import Principal, PrincipalKind, TokenVerifier, bearer_token
from crmkit.errors import Unauthenticated


@dataclass
class Limits:
    per_ip: RateLimiter
    per_ip_auth: RateLimiter
    per_tenant: RateLimiter

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> "Limits":
        return cls(
            per_ip=RateLimiter(per_minute=settings.rate_ip_per_minute),
            per_ip_auth=RateLimiter(per_minute=settings.rate_auth_ip_per_minute),
            per_tenant=RateLimiter(per_minute=settings.rate_tenant_per_minute),
        )


def _spend(limiter: RateLimiter, *, key: str, what: str) -> None:
    wait = limiter.take(key)
    if wait > 0:
        raise RateLimited(f"rate limit per {what} reached", retry_after=retry_after(wait))


@dataclass
class Guard:
    settings: GatewaySettings
    verifier: TokenVerifier
    tenants: TenantDirectory
    limits: Limits

    def slug(self, request: Request) -> str | None:
        return host_slug(
            request.headers.get("host"),
            base_domain=self.settings.base_domain,
            reserved=frozenset(self.settings.reserved_subdomains),
        )

    async def admit(self, request: Request, route: Route) -> Principal | None:
        """The verified caller, or a refusal. On a public route a token is optional, but one
        that is sent must still verify (the service would refuse it anyway)."""
        ip = client_ip(request.scope, trusted_hops=self.settings.trusted_proxy_hops)
        if route.auth:
            _spend(self.limits.per_ip_auth, key=ip, what="client address on sign-in routes")
        else:
            _spend(self.limits.per_ip, key=ip, what="client address")
        principal = await self._principal(request)
        if route.public:
            return principal
        if principal is None:
            raise GatewayUnauthenticated("a bearer token is required")
        self._check_kind(principal, route)
        slug = self.slug(request)
        if slug is not None:
            tenant = await self.tenants.tenant_id(slug)
            if principal.tenant_id != tenant:
                raise TenantMismatch(f"the token is not valid for tenant {slug!r}")
        if principal.tenant_id is not None:
            _spend(self.limits.per_tenant, key=str(principal.tenant_id), what="tenant")
        return principal

    async def _principal(self, request: Request) -> Principal | None:
        try:
            token = bearer_token(request.headers.get("authorization"))
            if token is None:
                return None
            # Off the event loop: a key refresh or session check may do blocking I/O.
            return await run_in_threadpool(self.verifier.verify, token)
        except Unauthenticated as exc:
            raise GatewayUnauthenticated(exc.detail) from exc

    @staticmethod
    def _check_kind(principal: Principal, route: Route) -> None:
        if principal.kind == PrincipalKind.SERVICE:
            raise WrongAudienceKind("service tokens are not accepted at the public entry")
        if route.portal and principal.kind != PrincipalKind.PORTAL:
            raise WrongAudienceKind("portal routes are for portal users only")
        if not route.portal and principal.kind == PrincipalKind.PORTAL:
            raise WrongAudienceKind("portal users may call portal routes only")
