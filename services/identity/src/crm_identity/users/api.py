import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from crm_identity.access.service import visible_owners_for
from crm_identity.common.http import ExpectedVersion, Staff, StaffWith, set_etag
from crm_identity.keys.service import utcnow
from crm_identity.users import service
from crm_identity.users.models import User, UserStatus
from crm_identity.users.schemas import (
    DirectoryEntryOut,
    PasswordReset,
    UserIn,
    UserOut,
    UserPatch,
)
from crmkit.auth import Principal
from crmkit.errors import NotFound
from crmkit.http import TenantSession
from crmkit.pagination import Page

router = APIRouter(prefix="/api/v1/users", tags=["users"])
ManageUsers = Annotated[Principal, StaffWith("identity:manage_users")]


def _out(session: Session, user: User) -> UserOut:
    role_ids = service.role_ids_of(session, user_id=user.id)
    return UserOut.model_validate(user).model_copy(update={"role_ids": role_ids})


def _visible(session: Session, who: Principal) -> set[uuid.UUID] | None:
    """Users a caller sees follow its data scope in the `identity` module."""
    _, owners = visible_owners_for(session, principal=who, module="identity")
    return owners


@router.get("")
def list_users(
    session: TenantSession,
    who: Staff,
    department_id: uuid.UUID | None = None,
    status: UserStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[UserOut]:
    users, next_cursor = service.list_users(
        session,
        visible=_visible(session, who),
        department_id=department_id,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=[_out(session, u) for u in users], next_cursor=next_cursor)


@router.post("", status_code=201, responses={409: {}, 422: {}})
def create_user(
    body: UserIn, session: TenantSession, who: ManageUsers, response: Response
) -> UserOut:
    user = service.create_user(session, actor=who, **body.model_dump())
    set_etag(response, user.version)
    return _out(session, user)


# Declared before `/{user_id}` so "directory" is never read as a user id.
@router.get("/directory", responses={422: {}})
def directory(
    session: TenantSession,
    who: Staff,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
    ids: Annotated[str | None, Query(max_length=8000)] = None,
) -> Page[DirectoryEntryOut]:
    """Active colleagues by name for people pickers (transfer to, assign to): any staff
    member of the tenant may read it, whatever their data scope. With `ids` it names those
    users instead (disabled ones too, `active` false), for pages that show owners."""
    if ids is not None:
        named = service.named(session, ids=service.parse_ids(ids))
        return Page(items=[DirectoryEntryOut.model_validate(e) for e in named], next_cursor=None)
    entries, next_cursor = service.directory(session, q=q, limit=limit, cursor=cursor)
    items = [DirectoryEntryOut.model_validate(e) for e in entries]
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{user_id}")
def get_user(user_id: uuid.UUID, session: TenantSession, who: Staff, response: Response) -> UserOut:
    visible = _visible(session, who)
    if visible is not None and user_id not in visible:
        raise NotFound("no such user")
    user = service.get_user(session, user_id=user_id)
    set_etag(response, user.version)
    return _out(session, user)


@router.patch("/{user_id}", responses={409: {}, 412: {}, 422: {}})
def update_user(
    user_id: uuid.UUID,
    body: UserPatch,
    session: TenantSession,
    who: ManageUsers,
    version: ExpectedVersion,
    response: Response,
) -> UserOut:
    user = service.update_user(
        session,
        actor=who,
        user_id=user_id,
        changes=body.model_dump(exclude_unset=True),
        expected_version=version,
        now=utcnow(),
    )
    set_etag(response, user.version)
    return _out(session, user)


@router.delete("/{user_id}", status_code=204)
def disable_user(user_id: uuid.UUID, session: TenantSession, who: ManageUsers) -> None:
    """Users are never erased (their records elsewhere keep their id): this disables."""
    service.set_status(
        session, actor=who, user_id=user_id, status=UserStatus.DISABLED, now=utcnow()
    )


@router.post("/{user_id}/disable")
def disable(user_id: uuid.UUID, session: TenantSession, who: ManageUsers) -> UserOut:
    user = service.set_status(
        session, actor=who, user_id=user_id, status=UserStatus.DISABLED, now=utcnow()
    )
    return _out(session, user)


@router.post("/{user_id}/enable")
def enable(user_id: uuid.UUID, session: TenantSession, who: ManageUsers) -> UserOut:
    user = service.set_status(
        session, actor=who, user_id=user_id, status=UserStatus.ACTIVE, now=utcnow()
    )
    return _out(session, user)


@router.post("/{user_id}/password", status_code=204, responses={422: {}})
def reset_password(
    user_id: uuid.UUID, body: PasswordReset, session: TenantSession, who: ManageUsers
) -> None:
    service.reset_password(
        session, actor=who, user_id=user_id, new_password=body.new_password, now=utcnow()
    )
