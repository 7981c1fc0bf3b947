"""Celery for background jobs, on RabbitMQ.

A job runs for one tenant: the tenant travels in the message headers (never in the task's
arguments) and the task body runs inside `tenant_context`, set here and nowhere else.
"""

import uuid
from typing import Any

from celery import Celery, Task
from celery.signals import worker_process_init

from crmkit.settings import get_settings
from crmkit.tenancy import current_tenant_or_none, tenant_context

TENANT_HEADER = "crm_tenant_id"


class TenantTask(Task):  # type: ignore[misc]
    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        tenant = current_tenant_or_none()
        headers = dict(options.pop("headers", None) or {})
        if tenant is not None:
            headers.setdefault(TENANT_HEADER, str(tenant))
        return super().apply_async(args, kwargs, headers=headers, **options)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raw = getattr(self.request, TENANT_HEADER, None) or (self.request.headers or {}).get(
            TENANT_HEADER
        )
        if raw is None:  # called directly by another task: it keeps the caller's tenant
            return super().__call__(*args, **kwargs)
        with tenant_context(uuid.UUID(raw)):
            return super().__call__(*args, **kwargs)


def make_celery(service: str) -> Celery:
    settings = get_settings()
    app = Celery(f"crm_{service.replace('-', '_')}", broker=settings.amqp_url, task_cls=TenantTask)
    app.conf.update(
        task_acks_late=True,  # a killed worker's job is redelivered, not lost
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=f"{service}.jobs",
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
    )
    return app


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _telemetry_in_each_worker_process(**_: Any) -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor

    from crmkit.telemetry import setup_telemetry

    setup_telemetry(get_settings().service_name)
    CeleryInstrumentor().instrument()  # type: ignore[no-untyped-call]
