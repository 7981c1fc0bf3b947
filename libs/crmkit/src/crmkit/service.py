"""One command line per service: `python -m crm_<name> api|consumer|relay|worker|migrate`.

A service describes itself once (`ServiceDefinition`); this module runs its processes:
`api` serves HTTP and gRPC, `consumer` applies events from its queue, `relay` publishes
its outbox, `worker` runs its Celery jobs, `migrate` upgrades the platform and every tenant.
"""

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from crmkit.auth import JwksKeySource, TokenVerifier
from crmkit.db import Database, make_engine
from crmkit.events.consumer import EventConsumer, Handler
from crmkit.events.envelope import CloudEvent
from crmkit.events.housekeeping import prune_event_tables
from crmkit.events.outbox import record_event
from crmkit.events.relay import OutboxRelay
from crmkit.migrations import MigrationStreams, migrate_all, provision_tenant_schema
from crmkit.sessions import IdentitySessionCheck
from crmkit.settings import Settings, get_settings
from crmkit.telemetry import instrument_sqlalchemy, setup_telemetry

log = logging.getLogger(__name__)

GrpcRegistration = tuple[Callable[[Any, Any], None], Any]


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    streams: MigrationStreams
    http_port: int
    grpc_port: int
    routers: Callable[[], list[APIRouter]] = list
    grpc_servicers: Callable[[Database], list[GrpcRegistration]] = lambda _db: []
    event_handlers: Callable[[Database], list[Handler]] = lambda _db: []
    jobs_module: str | None = None
    extra_readiness: dict[str, Callable[[], None]] = field(default_factory=dict)
    # Exceptions meaning a dependency is down: the consumer requeues instead of retrying.
    transient_errors: tuple[type[Exception], ...] = ()
    # Runs before the consumer starts and in `migrate` (idempotent setup, e.g. indices).
    setup: Callable[[Settings], None] | None = None
    # Identity verifies tokens with its own keys and sessions, not over the network.
    verifier: Callable[[Database, Settings], TokenVerifier] | None = None


def provisioning_handler(definition: ServiceDefinition) -> Handler:
    """Every service answers `identity.tenant.created` by creating the tenant's schema."""

    def provision(session: Session, event: CloudEvent) -> None:
        tenant_id = event.tenant_uuid
        if tenant_id is None:
            raise ValueError("identity.tenant.created without a tenantid")
        provision_tenant_schema(session.connection(), definition.streams, tenant_id)
        record_event(
            session,
            type=f"{definition.name}.tenant.provisioned",
            data={"tenant_id": str(tenant_id), "service": definition.name},
        )

    return Handler("identity.tenant.created", provision, tenant_schema=False)


def open_database(definition: ServiceDefinition, settings: Settings) -> Database:
    engine = make_engine(
        settings.database_url_for(definition.name), pool_size=settings.database_pool_size
    )
    instrument_sqlalchemy(engine)
    return Database(engine, required_tenant_revision=definition.streams.head("tenant"))


def make_verifier(settings: Settings) -> TokenVerifier:
    session_check = None
    if settings.session_check_enabled:
        session_check = IdentitySessionCheck(
            settings.identity_grpc_target,
            cache_seconds=settings.session_check_cache_seconds,
            stale_seconds=settings.session_check_stale_seconds,
        )
    return TokenVerifier(
        JwksKeySource(settings.identity_jwks_url),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        session_check=session_check,
    )


def make_consumer(definition: ServiceDefinition, db: Database, settings: Settings) -> EventConsumer:
    return EventConsumer(
        db,
        name=definition.name,
        handlers=[provisioning_handler(definition), *definition.event_handlers(db)],
        amqp_url=settings.amqp_url,
        exchange=settings.events_exchange,
        retry_delays_ms=settings.event_retry_delays_ms,
        transient_errors=definition.transient_errors,
    )


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def run_api(definition: ServiceDefinition, settings: Settings) -> None:
    import uvicorn

    from crmkit.grpc.server import build_server
    from crmkit.http import create_app

    db = open_database(definition, settings)
    verifier = (definition.verifier or (lambda _db, s: make_verifier(s)))(db, settings)
    grpc_server = build_server(
        definition.grpc_servicers(db),
        port=settings.grpc_port or definition.grpc_port,
        verifier=verifier,
    )
    grpc_server.start()
    app = create_app(
        title=f"CRM {definition.name}",
        verifier=verifier,
        routers=definition.routers(),
        db=db,
        readiness_checks=definition.extra_readiness,
    )
    try:
        uvicorn.run(
            app,
            host=settings.http_host,
            port=settings.http_port or definition.http_port,
            log_config=None,
        )
    finally:
        grpc_server.stop(grace_seconds=5)


def run_consumer(definition: ServiceDefinition, settings: Settings) -> None:
    db = open_database(definition, settings)
    if definition.setup is not None:
        definition.setup(settings)
    make_consumer(definition, db, settings).run(_stop_on_signals())


def run_relay(definition: ServiceDefinition, settings: Settings) -> None:
    db = open_database(definition, settings)
    relay = OutboxRelay(
        db.engine,
        amqp_url=settings.amqp_url,
        exchange=settings.events_exchange,
        batch_size=settings.relay_batch_size,
        idle_seconds=settings.relay_idle_seconds,
        housekeeping=lambda: prune_event_tables(
            db.engine,
            now=datetime.now(UTC),
            outbox_retention=timedelta(hours=settings.outbox_retention_hours),
            inbox_retention=timedelta(hours=settings.inbox_retention_hours),
            idempotency_retention=timedelta(hours=settings.idempotency_retention_hours),
        ),
        housekeeping_every_seconds=settings.event_prune_every_seconds,
    )
    relay.run(_stop_on_signals())


def run_worker(definition: ServiceDefinition, settings: Settings) -> None:
    import importlib

    if definition.jobs_module is None:
        log.info("%s has no background jobs yet; the worker idles", definition.name)
        _stop_on_signals().wait()
        return
    app = importlib.import_module(definition.jobs_module).celery_app
    # Each service's workers need their own node name: two `celery@<host>` nodes in one
    # vhost fight over the control queue and the second one dies (RESOURCE_LOCKED).
    argv = [
        "worker",
        "--hostname",
        f"{definition.name}@%h",
        "--concurrency",
        "2",
        "--loglevel",
        settings.log_level,
    ]
    if app.conf.beat_schedule:
        argv.append("--beat")  # periodic jobs (time-outs, sweeps) run in the worker
    app.worker_main(argv)


def run_migrate(definition: ServiceDefinition, settings: Settings) -> None:
    _ensure_database_exists(settings.database_url_for(definition.name))
    db = open_database(definition, settings)
    migrate_all(db.engine, definition.streams, progress=lambda line: print(line, flush=True))  # noqa: T201
    # Queues exist before anything is published, so no event for this service is dropped.
    make_consumer(definition, db, settings).declare_topology()
    if definition.setup is not None:
        definition.setup(settings)


def _ensure_database_exists(url: str) -> None:
    from sqlalchemy import create_engine, select, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            select(text("1"))
            .select_from(text("pg_database"))
            .where(text("datname = :name").bindparams(name=target.database))
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


COMMANDS: dict[str, Callable[[ServiceDefinition, Settings], None]] = {
    "api": run_api,
    "consumer": run_consumer,
    "relay": run_relay,
    "worker": run_worker,
    "migrate": run_migrate,
}


def main(definition: ServiceDefinition, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m crm_{definition.name.replace('-', '_')}")
    parser.add_argument("command", choices=sorted(COMMANDS))
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    settings = get_settings().model_copy(update={"service_name": definition.name})
    setup_telemetry(definition.name, log_level=settings.log_level)
    COMMANDS[args.command](definition, settings)
    return 0
