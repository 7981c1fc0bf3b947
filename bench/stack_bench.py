"""End-to-end benchmarks on the whole platform as real processes (crmkit.testing.stack).

- overhead: `GET /api/v1/me` through the gateway (28000) versus straight to identity (28101),
  p50/p95 latency, their ratio and requests/s at concurrency 1 and 32;
- signup: tenant sign-up to `active` (one after another, status polled every 50 ms), and login.

The stack's gateway rate limits are raised (RATE_LIMITS) so the benchmark measures latency, not
refusals. Each section ends with the machine's load while it ran: other engineers' tests share
the two cores. Run with `make bench`, or `python bench/stack_bench.py [overhead] [signup]`
(servers must be up: `make services`). The stack is named `bench`: own databases, vhost and
ports (28000, 281xx, 291xx), logs in var/log/bench/.
"""

import argparse
import asyncio
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from crmkit.settings import Settings
from crmkit.testing.stack import Stack, start_stack

RATE_LIMITS = {
    "CRM_GATEWAY_RATE_IP_PER_MINUTE": "10000000",
    "CRM_GATEWAY_RATE_AUTH_IP_PER_MINUTE": "10000000",
    "CRM_GATEWAY_RATE_TENANT_PER_MINUTE": "10000000",
}
PASSWORD = "Bench-Passw0rd!"  # noqa: S105 - a throw-away tenant's admin
LEVELS = {1: 300, 32: 1500}  # concurrency: measured requests per target
ROUNDS = 3  # direct and gateway alternate in rounds, so a change of load hits both alike
SIGNUPS = 20
LOGINS = 50
POLL_SECONDS = 0.05
OFFSET = 10000  # gateway on 28000, identity on 28101 (the e2e tests' stack uses offset 2000)


@dataclass(frozen=True)
class Tenant:
    slug: str
    email: str


@dataclass
class Timings:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies) or [float("nan")]
        return ordered[round(q * (len(ordered) - 1))]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class Load:
    """CPU use while a section runs: the whole machine, and this benchmark's own processes."""

    def __init__(self, pids: Iterable[int]) -> None:
        self.pids = [os.getpid(), *pids]
        self.machine = _machine_jiffies()
        self.ours = _process_jiffies(self.pids)

    def summary(self) -> str:
        (busy_now, total_now), (busy_then, total_then) = _machine_jiffies(), self.machine
        busy, total = busy_now - busy_then, total_now - total_then
        cores = os.cpu_count() or 1
        ours = min(_process_jiffies(self.pids) - self.ours, busy)
        pytest = sum(1 for cmdline in _cmdlines() if b"pytest" in cmdline)
        return (
            f"  load: machine CPU busy {busy / total:.0%} of {cores} cores "
            f"(this benchmark's client + stack {ours / total:.0%}, the rest "
            f"{(busy - ours) / total:.0%}: servers, other work), load avg 1 min "
            f"{os.getloadavg()[0]:.1f}, pytest processes running now: {pytest}"
        )


def _machine_jiffies() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def _process_jiffies(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def _cmdlines() -> list[bytes]:
    lines = []
    for path in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            lines.append(path.read_bytes())
        except OSError:
            continue
    return lines


def start() -> Stack:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 18000 + OFFSET)) == 0:
            raise SystemExit(f"port {18000 + OFFSET} is taken: is another bench stack running?")
    os.environ.update(RATE_LIMITS)  # the stack copies os.environ into every process
    print("starting the stack (6 services x api/consumer/relay + gateway) ...", flush=True)
    began = time.perf_counter()
    stack = start_stack(Settings(), name="bench", offset=OFFSET)
    print(f"stack ready in {time.perf_counter() - began:.0f} s; gateway rate limits raised:")
    print("  " + ", ".join(f"{k}={v}" for k, v in RATE_LIMITS.items()))
    return stack


def sign_up(client: httpx.Client, slug: str, *, timeout: float = 300) -> float:
    """Seconds from sending the sign-up to the first `active` status seen."""
    began = time.perf_counter()
    response = client.post(
        "/api/v1/signup",
        json={
            "company_name": f"Bench {slug}",
            "slug": slug,
            "admin_email": f"admin@{slug}.example.com",
            "admin_password": PASSWORD,
            "admin_name": "Bench Admin",
            "locale": "en",
        },
    )
    if response.status_code != 202:
        raise RuntimeError(f"sign-up {slug}: {response.status_code} {response.text}")
    while time.perf_counter() - began < timeout:
        status = client.get(f"/api/v1/signup/{slug}").json()
        if status["status"] == "active":
            return time.perf_counter() - began
        if status["status"] == "failed":
            raise RuntimeError(f"sign-up {slug} failed: {status}")
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"sign-up {slug} not active after {timeout} s")


def login(client: httpx.Client, tenant: Tenant) -> str:
    response = client.post(
        "/api/v1/auth/login",
        json={"tenant": tenant.slug, "email": tenant.email, "password": PASSWORD},
    )
    if response.status_code != 200:
        raise RuntimeError(f"login: {response.status_code} {response.text}")
    token: str = response.json()["access_token"]
    return token


def new_tenant(client: httpx.Client) -> tuple[Tenant, float]:
    slug = f"bench-{uuid.uuid4().hex[:10]}"
    return Tenant(slug, f"admin@{slug}.example.com"), sign_up(client, slug)


async def timed_gets(base_url: str, token: str, requests: int, concurrency: int) -> Timings:
    """`requests` GETs of /api/v1/me by `concurrency` workers, after a warm-up.

    The first failure (not 200, or no answer in 60 s) ends the run: the rest is not issued.
    """
    timings = Timings()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=60
    ) as client:
        left = 0

        async def worker(record: bool) -> None:
            nonlocal left
            while left > 0:
                left -= 1
                began = time.perf_counter()
                try:
                    response = await client.get("/api/v1/me")
                    error = None if response.status_code == 200 else str(response.status_code)
                except httpx.HTTPError as exc:
                    error = type(exc).__name__
                if error is None and record:
                    timings.latencies.append(time.perf_counter() - began)
                elif error is not None:
                    timings.errors[error] += 1
                    left = 0

        for record, count in ((False, max(20, 2 * concurrency)), (True, requests)):
            left = count
            began = time.perf_counter()
            await asyncio.gather(*(worker(record) for _ in range(concurrency)))
            timings.seconds = time.perf_counter() - began
    return timings


def widen_identity_pool(stack: Stack, size: int) -> None:
    process = stack.processes["identity-api"]
    process.terminate()
    process.wait(timeout=15)
    args, env = stack.commands["identity-api"]
    stack.commands["identity-api"] = (args, {**env, "CRM_DATABASE_POOL_SIZE": str(size)})
    stack.restart("identity-api")


def overhead(stack: Stack, client: httpx.Client, tenant: Tenant, *, pool: int | None) -> None:
    targets = {"direct": stack.service_url("identity"), "gateway": stack.gateway_url}
    if pool:
        widen_identity_pool(stack, pool)
    print(
        f"\ngateway overhead: GET /api/v1/me, {ROUNDS} alternating rounds, after warm-up; "
        f"identity API database pool {pool or 'as the stack sets it (4)'}"
    )
    for concurrency, requests in LEVELS.items():
        load = Load(p.pid for p in stack.processes.values())
        token = login(client, tenant)  # fresh for each level: access tokens live 300 s
        runs = {name: Timings() for name in targets}
        for _ in range(ROUNDS):
            for name, url in targets.items():
                part = asyncio.run(timed_gets(url, token, requests // ROUNDS, concurrency))
                runs[name].latencies += part.latencies
                runs[name].seconds += part.seconds
                runs[name].errors += part.errors
            if any(run.errors for run in runs.values()):
                break
        direct, gateway = runs["direct"], runs["gateway"]
        print(
            f"gateway overhead  c={concurrency}: "
            f"direct p50 {ms(direct.p(0.5))} p95 {ms(direct.p(0.95))} | "
            f"gateway p50 {ms(gateway.p(0.5))} p95 {ms(gateway.p(0.95))} | "
            f"ratio p50 {gateway.p(0.5) / direct.p(0.5):.2f} "
            f"p95 {gateway.p(0.95) / direct.p(0.95):.2f}"
        )
        print(
            f"{'':18}c={concurrency}: direct {direct.rate:.0f} req/s max {ms(direct.p(1))} | "
            f"gateway {gateway.rate:.0f} req/s max {ms(gateway.p(1))} "
            f"({len(direct.latencies)} and {len(gateway.latencies)} requests)"
        )
        for name, run in runs.items():
            if run.errors:
                failed = ", ".join(f"{n} x {e}" for e, n in run.errors.items())
                print(f"  {name}: FAILED {failed}; a failure ends the level")
        print(load.summary())


def signup(stack: Stack, client: httpx.Client) -> Tenant:
    load = Load(p.pid for p in stack.processes.values())
    tenants = [new_tenant(client) for _ in range(SIGNUPS)]
    took = Timings([seconds for _, seconds in tenants])
    print(
        f"\nsign-up to active ({SIGNUPS} one after another, through the gateway, status polled "
        f"every {POLL_SECONDS * 1000:.0f} ms):\n"
        f"  p50 {took.p(0.5):.2f} s p95 {took.p(0.95):.2f} s max {max(took.latencies):.2f} s "
        f"min {min(took.latencies):.2f} s"
    )
    print(load.summary())
    load = Load(p.pid for p in stack.processes.values())
    tenant = tenants[0][0]
    logins = Timings()
    for _ in range(LOGINS):
        began = time.perf_counter()
        login(client, tenant)
        logins.latencies.append(time.perf_counter() - began)
    print(
        f"login ({LOGINS} one after another, the same admin, through the gateway):\n"
        f"  p50 {ms(logins.p(0.5))} p95 {ms(logins.p(0.95))} max {ms(max(logins.latencies))}"
    )
    print(load.summary())
    return tenant


def main(parts: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("parts", nargs="*", help="overhead, signup (default: both)")
    parser.add_argument(
        "--identity-pool",
        type=int,
        default=None,
        help="restart identity's API with this database pool size for the overhead part",
    )
    args = parser.parse_args()
    chosen = parts or args.parts or ["signup", "overhead"]
    if unknown := set(chosen) - {"overhead", "signup"}:
        parser.error(f"unknown part: {', '.join(sorted(unknown))}")
    stack = start()
    try:
        with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
            tenant = signup(stack, client) if "signup" in chosen else new_tenant(client)[0]
            if "overhead" in chosen:
                overhead(stack, client, tenant, pool=args.identity_pool)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
