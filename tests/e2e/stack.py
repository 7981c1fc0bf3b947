"""The whole platform as real processes, for end-to-end tests through the gateway.

Each service gets a fresh database `test_e2e_<service>`, is migrated by its own `migrate`
command, then runs its `api`, `consumer` and `relay` processes; the gateway fronts them.
Everything listens on 18xxx/19xxx and uses a RabbitMQ vhost of its own, so a developer's
`make up` (8000/81xx, vhost /) can run at the same time. Logs: var/log/e2e/.
"""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from crmkit.settings import Settings
from crmkit.testing.databases import fresh_database, test_database_url

REPO = Path(__file__).resolve().parents[2]
LOGS = REPO / "var" / "log" / "e2e"
SERVICES = {  # name: (module, number in the 81xx / 91xx port plan)
    "identity": ("crm_identity", 1),
    "customers": ("crm_customers", 2),
    "sales": ("crm_sales", 3),
    "service-desk": ("crm_service_desk", 4),
    "files": ("crm_files", 5),
    "search": ("crm_search", 6),
}
GATEWAY_PORT = 18000
PROCESSES = ("api", "consumer", "relay")


def http_port(number: int) -> int:
    return 18100 + number


def grpc_port(number: int) -> int:
    return 19100 + number


@dataclass
class Stack:
    gateway_url: str
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    commands: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict)

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.commands[name] = (args, env)
        log = (LOGS / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our interpreter and modules
            [sys.executable, "-m", *args], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def restart(self, name: str, *, timeout: float = 60) -> None:
        args, env = self.commands[name]
        self.spawn(name, args, env)
        _wait_ready(self, f"{self.gateway_url}/readyz", timeout=timeout)

    def service_url(self, name: str) -> str:
        return f"http://127.0.0.1:{http_port(SERVICES[name][1])}"

    def log_of(self, process: str) -> str:
        return (LOGS / f"{process}.log").read_text(errors="replace")

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
    """A RabbitMQ vhost of the tests' own, created afresh through the management API."""
    management = "http://127.0.0.1:15672/api"
    auth = ("crm", "crm")
    with httpx.Client(auth=auth, timeout=10) as client:
        client.delete(f"{management}/vhosts/{name}")
        client.put(f"{management}/vhosts/{name}").raise_for_status()
        client.put(
            f"{management}/permissions/{name}/crm",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        ).raise_for_status()
    base = settings.amqp_url.rsplit("/", 1)[0]
    return f"{base}/{name}"


def stack_environment(settings: Settings, amqp_url: str) -> dict[str, str]:
    database_url = test_database_url(settings, "e2e_{service}")
    identity = SERVICES["identity"][1]
    return {
        **os.environ,
        "CRM_DATABASE_URL": database_url,
        "CRM_DATABASE_POOL_SIZE": "4",
        "CRM_AMQP_URL": amqp_url,
        "CRM_EVENT_RETRY_DELAYS_MS": "[200, 500, 1000]",
        "CRM_RELAY_IDLE_SECONDS": "0.05",
        "CRM_IDENTITY_JWKS_URL": f"http://127.0.0.1:{http_port(identity)}/.well-known/jwks.json",
        "CRM_IDENTITY_GRPC_TARGET": f"127.0.0.1:{grpc_port(identity)}",
        "CRM_GATEWAY_PORT": str(GATEWAY_PORT),
        "CRM_GATEWAY_SERVICES": json.dumps(
            {name: f"http://127.0.0.1:{http_port(n)}" for name, (_, n) in SERVICES.items()}
        ),
        "CRM_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }


def _wait_ready(stack: Stack, url: str, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        dead = {n: p.returncode for n, p in stack.processes.items() if p.poll() is not None}
        if dead:
            name = next(iter(dead))
            raise RuntimeError(f"{name} exited ({dead[name]}):\n{stack.log_of(name)[-3000:]}")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return
            last = response.text
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready after {timeout}s: {last}")


def start_stack(settings: Settings) -> Stack:
    LOGS.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    env = stack_environment(settings, _vhost(settings, f"e2e_{worker}"))
    stack = Stack(gateway_url=f"http://127.0.0.1:{GATEWAY_PORT}", env=env)
    for log in LOGS.glob("*.log"):
        log.unlink()
    for name, (module, _) in SERVICES.items():
        with fresh_database(test_database_url(settings, f"e2e_{name}")):
            pass
        migrate = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", module, "migrate"],
            cwd=REPO,
            env=env,
            capture_output=True,
            timeout=300,
        )
        if migrate.returncode != 0:
            raise RuntimeError(
                f"{name} migrate failed:\n{migrate.stdout.decode()}{migrate.stderr.decode()}"
            )
    try:
        for name, (module, number) in SERVICES.items():
            for process in PROCESSES:
                ports = {
                    "CRM_HTTP_PORT": str(http_port(number)),
                    "CRM_GRPC_PORT": str(grpc_port(number)),
                }
                stack.spawn(f"{name}-{process}", [module, process], {**env, **ports})
        stack.spawn("gateway", ["crm_gateway"], env)
        _wait_ready(stack, f"{stack.gateway_url}/readyz", timeout=120)
    except BaseException:
        stack.stop()
        raise
    return stack
