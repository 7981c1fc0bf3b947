import uuid

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from crm_customers.customers.models import SavedView


def get(session: Session, view_id: uuid.UUID) -> SavedView | None:
    return session.get(SavedView, view_id)


def visible_to(
    session: Session, *, user_id: uuid.UUID, department_id: uuid.UUID | None, entity: str
) -> list[SavedView]:
    shared = (
        and_(SavedView.shared.is_(True), SavedView.department_id == department_id)
        if department_id is not None
        else SavedView.id.is_(None)
    )
    return list(
        session.scalars(
            select(SavedView)
            .where(SavedView.entity == entity, or_(SavedView.owner_id == user_id, shared))
            .order_by(SavedView.name, SavedView.id)
        )
    )


def add(session: Session, view: SavedView) -> None:
    session.add(view)
    session.flush()


def delete(session: Session, view: SavedView) -> None:
    session.delete(view)
    session.flush()
