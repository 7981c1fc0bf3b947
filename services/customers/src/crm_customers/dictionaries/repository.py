from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_customers.dictionaries.models import DictionaryItem


def items(session: Session, kind: str) -> list[DictionaryItem]:
    return list(
        session.scalars(
            select(DictionaryItem)
            .where(DictionaryItem.kind == kind)
            .order_by(DictionaryItem.position, DictionaryItem.key)
        )
    )


def active_keys(session: Session, kind: str) -> set[str]:
    return set(
        session.scalars(
            select(DictionaryItem.key).where(
                DictionaryItem.kind == kind, DictionaryItem.active.is_(True)
            )
        )
    )


def by_key(session: Session, kind: str, key: str) -> DictionaryItem | None:
    return session.scalar(
        select(DictionaryItem).where(DictionaryItem.kind == kind, DictionaryItem.key == key)
    )


def add(session: Session, item: DictionaryItem) -> None:
    session.add(item)
    session.flush()
