"""Imports and exports in tests: real Celery worker processes of the customers app, on a
RabbitMQ vhost of the test run's own (so no other worker takes these jobs), and helpers
to upload files and wait for jobs."""

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from customers_testkit import Org

from crm_customers.jobs import celery_app
from crmkit.db import Database
from crmkit.settings import get_settings
from crmkit.testing.databases import test_run_label

REPO = Path(__file__).resolve().parents[3]
LOGS = REPO / "var" / "log" / "tests"
FINISHED = ("done", "failed")


def fresh_vhost(name: str) -> str:
    """A RabbitMQ vhost created afresh (through the management API); its AMQP URL."""
    management = "http://127.0.0.1:15672/api"
    with httpx.Client(auth=("crm", "crm"), timeout=10) as client:
        client.delete(f"{management}/vhosts/{name}")
        client.put(f"{management}/vhosts/{name}").raise_for_status()
        client.put(
            f"{management}/permissions/{name}/crm",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        ).raise_for_status()
    return f"{get_settings().amqp_url.rsplit('/', 1)[0]}/{name}"


def _point_celery_at(url: str) -> None:
    celery_app.conf.broker_url = url
    # Drop connections made to the previous broker (pools are built on first use).
    celery_app._pool = None  # noqa: SLF001
    celery_app.amqp._producer_pool = None  # noqa: SLF001


@contextmanager
def jobs_broker(label: str) -> Iterator[str]:
    """This process queues jobs on a vhost of its own while the block runs."""
    previous = celery_app.conf.broker_url
    url = fresh_vhost(f"{label}_{test_run_label()}")
    _point_celery_at(url)
    try:
        yield url
    finally:
        _point_celery_at(previous)


class Workers:
    """`celery worker` processes of the customers app against the test database."""

    def __init__(self, db: Database, amqp_url: str, **settings: str) -> None:
        self.env = {
            **os.environ,
            "CRM_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
            "CRM_DATABASE_POOL_SIZE": "2",
            "CRM_AMQP_URL": amqp_url,
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "crm_customers.jobs", "worker"]
        options = ["--pool", "solo", "--without-mingle", "--without-gossip", "-l", "WARNING"]
        log = LOGS / f"customers-worker-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.running.append(
            subprocess.Popen(  # noqa: S603 - our own interpreter and app
                command + options,
                cwd=REPO,
                env=self.env,
                stdout=log.open("ab"),
                stderr=subprocess.STDOUT,
            )
        )

    def kill_all(self, signum: int = signal.SIGTERM) -> None:
        for worker in self.running:
            if worker.poll() is None:
                worker.send_signal(signum)
                worker.wait(timeout=30)
        self.running.clear()


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(
    org: Org,
    content: bytes,
    mapping: dict[str, str] | None,
    *,
    name: str = "customers.csv",
    on_duplicate: str = "skip",
    path: str = "/api/v1/imports",
    as_: str = "admin",
) -> Any:
    data = {"on_duplicate": on_duplicate}
    if mapping is not None:
        data["mapping"] = json.dumps(mapping, ensure_ascii=False)
    return org.world.client.post(
        path, headers=org.headers(as_), files={"file": (name, content)}, data=data
    )


def wait_for(org: Org, path: str, *, as_: str = "admin", timeout: float = 120) -> dict[str, Any]:
    """Poll a job until it is done or failed."""
    deadline = time.monotonic() + timeout
    while True:
        response = org.get(path, as_=as_)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] in FINISHED:
            return body
        assert time.monotonic() < deadline, f"{path} still {body['status']}: {body}"
        time.sleep(0.1)


def imported(org: Org, content: bytes, mapping: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    response = upload(org, content, mapping, **kwargs)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    as_ = str(kwargs.get("as_", "admin"))
    return wait_for(org, f"/api/v1/imports/{response.json()['id']}", as_=as_)


def report(org: Org, job: dict[str, Any], *, as_: str = "admin") -> list[dict[str, str]]:
    response = org.get(job["report_url"], as_=as_)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
