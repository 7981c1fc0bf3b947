"""The whole platform as real processes, for end-to-end tests and benchmarks.

Services are named here as module strings only: crmkit still imports none of them.

A stack has a name (`e2e`, `bench`) and a port offset, so several can run side by side and
beside a developer's `make up` (8000/81xx/91xx, vhost /). Each service gets a fresh database
`test_<name>_<service>_<worker>` (the web console too, for its sessions), is migrated by its
own `migrate` command, then runs its `api`, `consumer` and `relay` processes (and `worker`
where it has jobs); the gateway fronts them on 18000 + offset, services on 18100 + offset + n
(gRPC 19100 + offset + n), the web console on 18107 + offset, with a RabbitMQ vhost of the
stack's own. Logs: var/log/<name>/.
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from crmkit.settings import Settings
from crmkit.testing.databases import fresh_database, test_database_url, test_run_label

REPO = Path(__file__).resolve().parents[5]
SERVICES = {  # name: (module, number in the 81xx / 91xx port plan)
    "identity": ("crm_identity", 1),
    "customers": ("crm_customers", 2),
    "sales": ("crm_sales", 3),
    "service-desk": ("crm_service_desk", 4),
    "files": ("crm_files", 5),
    "search": ("crm_search", 6),
}
WEB = ("crm_web", 7)  # the web console: a client of the gateway; its database holds sessions
PROCESSES = ("api", "consumer", "relay")
WORKERS = ("identity", "customers")  # services with background jobs the e2e tests rely on


@dataclass
class Stack:
    name: str
    offset: int
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    commands: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict)

    @property
    def logs(self) -> Path:
        return REPO / "var" / "log" / self.name

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{18000 + self.offset}"

    def http_port(self, service: str) -> int:
        return 18100 + self.offset + SERVICES[service][1]

    def grpc_port(self, service: str) -> int:
        return 19100 + self.offset + SERVICES[service][1]

    def service_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.http_port(service)}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{18100 + self.offset + WEB[1]}"

    def log_of(self, process: str) -> str:
        return (self.logs / f"{process}.log").read_text(errors="replace")

    def spawn(self, process: str, args: list[str], env: dict[str, str]) -> None:
        self.commands[process] = (args, env)
        log = (self.logs / f"{process}.log").open("ab")
        self.processes[process] = subprocess.Popen(  # noqa: S603 - our interpreter and modules
            [sys.executable, "-m", *args], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def restart(self, process: str, *, timeout: float = 60) -> None:
        args, env = self.commands[process]
        self.spawn(process, args, env)
        self.wait_ready(timeout=timeout)

    def wait_ready(self, *, timeout: float) -> None:
        url = f"{self.gateway_url}/readyz"
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            dead = {n: p.returncode for n, p in self.processes.items() if p.poll() is not None}
            if dead:
                name = next(iter(dead))
                raise RuntimeError(f"{name} exited ({dead[name]}):\n{self.log_of(name)[-3000:]}")
            try:
                response = httpx.get(url, timeout=2)
                if response.status_code == 200 and self._web_ready():
                    return
                last = response.text
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            time.sleep(0.3)
        raise RuntimeError(f"{url} not ready after {timeout}s: {last}")

    def _web_ready(self) -> bool:
        if "web" not in self.processes:
            return True
        try:
            return httpx.get(f"{self.web_url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _vhost(settings: Settings, name: str) -> str:
    """A RabbitMQ vhost of the stack's own, created afresh through the management API."""
    management = "http://127.0.0.1:15672/api"
    with httpx.Client(auth=("crm", "crm"), timeout=10) as client:
        client.delete(f"{management}/vhosts/{name}")
        client.put(f"{management}/vhosts/{name}").raise_for_status()
        client.put(
            f"{management}/permissions/{name}/crm",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        ).raise_for_status()
    return f"{settings.amqp_url.rsplit('/', 1)[0]}/{name}"


def _environment(stack: Stack, settings: Settings, amqp_url: str) -> dict[str, str]:
    web_secret = secrets.token_urlsafe(24)
    return {
        **os.environ,
        "CRM_DATABASE_URL": test_database_url(settings, f"{stack.name}_{{service}}"),
        "CRM_DATABASE_POOL_SIZE": "4",
        "CRM_AMQP_URL": amqp_url,
        "CRM_EVENT_RETRY_DELAYS_MS": "[200, 500, 1000]",
        "CRM_RELAY_IDLE_SECONDS": "0.05",
        "CRM_IDENTITY_JWKS_URL": f"{stack.service_url('identity')}/.well-known/jwks.json",
        "CRM_IDENTITY_GRPC_TARGET": f"127.0.0.1:{stack.grpc_port('identity')}",
        # Files asks the stack's own customers whether a caller may touch a record.
        "CRM_FILES_RECORD_OWNERS": json.dumps(
            {
                kind: {"target": f"127.0.0.1:{stack.grpc_port('customers')}", "record_type": n}
                for kind, n in (("customer", 1), ("contact", 2), ("follow_up", 3))
            }
        ),
        "CRM_GATEWAY_PORT": str(18000 + stack.offset),
        "CRM_GATEWAY_SERVICES": json.dumps({s: stack.service_url(s) for s in SERVICES}),
        "CRM_GATEWAY_WEB_URL": stack.web_url,
        "CRM_WEB_PORT": str(18100 + stack.offset + WEB[1]),
        "CRM_WEB_API_URL": stack.gateway_url,
        # Seals the console's stored sessions: a restarted web process keeps them.
        "CRM_WEB_SECRET_KEY": secrets.token_urlsafe(32),
        # The console names each browser's address to the gateway with this shared secret.
        "CRM_GATEWAY_WEB_SECRET": web_secret,
        "CRM_WEB_GATEWAY_SECRET": web_secret,
        "PYTHONUNBUFFERED": "1",
    }


def start_stack(settings: Settings, *, name: str = "e2e", offset: int = 0) -> Stack:
    # CRM_TEST_PORT_SHIFT moves a whole stack's ports, for test runs sharing one machine.
    stack = Stack(name=name, offset=offset + int(os.environ.get("CRM_TEST_PORT_SHIFT", "0")))
    stack.logs.mkdir(parents=True, exist_ok=True)
    for log in stack.logs.glob("*.log"):
        log.unlink()
    stack.env = _environment(stack, settings, _vhost(settings, f"{name}_{test_run_label()}"))
    for service, (module, _) in [*SERVICES.items(), ("web", WEB)]:
        with fresh_database(test_database_url(settings, f"{name}_{service}")):
            pass
        migrate = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", module, "migrate"],
            cwd=REPO,
            env=stack.env,
            capture_output=True,
            timeout=300,
        )
        if migrate.returncode != 0:
            output = migrate.stdout.decode() + migrate.stderr.decode()
            raise RuntimeError(f"{service} migrate failed:\n{output}")
    try:
        for service, (module, _) in SERVICES.items():
            ports = {
                "CRM_HTTP_PORT": str(stack.http_port(service)),
                "CRM_GRPC_PORT": str(stack.grpc_port(service)),
            }
            processes = PROCESSES + (("worker",) if service in WORKERS else ())
            for process in processes:
                stack.spawn(f"{service}-{process}", [module, process], {**stack.env, **ports})
        stack.spawn("web", [WEB[0]], stack.env)
        stack.spawn("gateway", ["crm_gateway"], stack.env)
        # A loaded machine (several test runs at once) may need longer: CRM_STACK_READY_SECONDS.
        stack.wait_ready(timeout=float(os.environ.get("CRM_STACK_READY_SECONDS", "120")))
    except BaseException:
        stack.stop()
        raise
    return stack
