import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from crm_search.epochs.models import AccessEpoch


def current(session: Session, tenant_id: uuid.UUID) -> int:
    stored = session.get(AccessEpoch, tenant_id)
    return stored.epoch if stored is not None else 0


def bump(session: Session, tenant_id: uuid.UUID) -> None:
    statement = insert(AccessEpoch).values(tenant_id=tenant_id, epoch=1)
    statement = statement.on_conflict_do_update(
        index_elements=[AccessEpoch.tenant_id], set_={"epoch": AccessEpoch.epoch + 1}
    )
    session.execute(statement)
