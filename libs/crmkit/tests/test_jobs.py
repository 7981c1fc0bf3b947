"""Celery jobs, run by real worker processes: each runs for the tenant that queued it (the
tenant travels in message headers), one queued with no tenant cannot touch tenant data, and
a worker killed in the middle of a job loses nothing."""

import importlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from crmkit.db import Database
from crmkit.tenancy import tenant_context

from .events_support import notes_count

CRMKIT = Path(__file__).resolve().parents[1]
LOGS = CRMKIT.parents[1] / "var" / "log" / "tests"


class Workers:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "tests.sample.jobs", "worker"]
        options = ["--pool", "solo", "--without-mingle", "--without-gossip", "-l", "WARNING"]
        log = LOGS / f"celery-worker-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.running.append(
            subprocess.Popen(  # noqa: S603 - our own interpreter and test module
                command + options,
                cwd=CRMKIT,
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


@pytest.fixture(scope="module")
def workers(db: Database) -> Iterator[Workers]:
    os.environ["SAMPLE_JOBS_SERVICE"] = f"sample-{uuid.uuid4().hex[:6]}"
    running = Workers(
        {**os.environ, "SAMPLE_DATABASE_URL": db.engine.url.render_as_string(hide_password=False)}
    )
    running.start()
    try:
        yield running
    finally:
        running.kill_all()


@pytest.fixture(scope="module")
def jobs(workers: Workers) -> ModuleType:
    """The client side of the same app (it reads its queue name from the environment)."""
    return importlib.reload(importlib.import_module(f"{__package__}.sample.jobs"))


def test_a_job_runs_in_the_tenant_that_queued_it(
    jobs: ModuleType, db: Database, tenant_a: uuid.UUID, tenant_b: uuid.UUID
) -> None:
    with tenant_context(tenant_a):
        first = jobs.add_note.delay("queued by a")
    with tenant_context(tenant_b):
        second = jobs.add_note.delay("queued by b")
    assert first.get(timeout=120) == str(tenant_a)
    assert second.get(timeout=120) == str(tenant_b)
    assert notes_count(db, tenant_a) == 1
    assert notes_count(db, tenant_b) == 1


def test_a_job_queued_without_a_tenant_cannot_touch_tenant_data(jobs: ModuleType) -> None:
    result = jobs.add_note.delay("nobody's")
    with pytest.raises(Exception, match="no tenant"):
        result.get(timeout=120)


def test_a_worker_killed_mid_job_loses_no_job(
    jobs: ModuleType, workers: Workers, db: Database, tenant_a: uuid.UUID, tmp_path: Path
) -> None:
    started = tmp_path / "started"
    with tenant_context(tenant_a):
        result = jobs.slow_note.delay("survives a crash", 3, str(started))
    deadline = time.monotonic() + 120
    while not started.exists():  # the worker has taken the job and is in the middle of it
        assert time.monotonic() < deadline, "the worker never started the job"
        time.sleep(0.05)
    workers.kill_all(signal.SIGKILL)
    started.unlink()
    assert notes_count(db, tenant_a) == 0
    workers.start()
    result.get(timeout=120)
    assert notes_count(db, tenant_a) == 1, "redelivered and done once"
