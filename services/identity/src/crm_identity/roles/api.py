import uuid
from typing import Annotated

from fastapi import APIRouter, Response

from crm_identity.common.http import ExpectedVersion, Staff, StaffWith, set_etag
from crm_identity.roles import service
from crm_identity.roles.catalogue import CATALOGUE
from crm_identity.roles.schemas import ModuleCatalogueOut, RoleIn, RoleOut, RolePatch
from crm_identity.roles.scopes import DataScope
from crmkit.auth import Principal
from crmkit.http import TenantSession
from crmkit.pagination import Page

router = APIRouter(tags=["roles"])
ManageRoles = Annotated[Principal, StaffWith("identity:manage_roles")]


@router.get("/api/v1/permission-catalogue")
def permission_catalogue(_: Staff) -> list[ModuleCatalogueOut]:
    return [
        ModuleCatalogueOut(
            module=module,
            permissions=[f"{module}:{action}" for action in entry.actions],
            fields=list(entry.fields),
            scopes=[scope.value for scope in DataScope],
        )
        for module, entry in CATALOGUE.items()
    ]


@router.get("/api/v1/roles")
def list_roles(session: TenantSession, _: Staff) -> Page[RoleOut]:
    return Page(items=[RoleOut.model_validate(r) for r in service.list_roles(session)])


@router.post("/api/v1/roles", status_code=201, responses={409: {}, 422: {}})
def create_role(
    body: RoleIn, session: TenantSession, who: ManageRoles, response: Response
) -> RoleOut:
    role = service.create_role(session, actor=who, **body.model_dump(mode="json"))
    set_etag(response, role.version)
    return RoleOut.model_validate(role)


@router.get("/api/v1/roles/{role_id}")
def get_role(role_id: uuid.UUID, session: TenantSession, _: Staff, response: Response) -> RoleOut:
    role = service.get_role(session, role_id=role_id)
    set_etag(response, role.version)
    return RoleOut.model_validate(role)


@router.patch("/api/v1/roles/{role_id}", responses={409: {}, 412: {}, 422: {}})
def update_role(
    role_id: uuid.UUID,
    body: RolePatch,
    session: TenantSession,
    who: ManageRoles,
    version: ExpectedVersion,
    response: Response,
) -> RoleOut:
    role = service.update_role(
        session,
        actor=who,
        role_id=role_id,
        changes=body.model_dump(mode="json", exclude_unset=True),
        expected_version=version,
    )
    set_etag(response, role.version)
    return RoleOut.model_validate(role)


@router.delete("/api/v1/roles/{role_id}", status_code=204, responses={409: {}})
def delete_role(
    role_id: uuid.UUID, session: TenantSession, who: ManageRoles, version: ExpectedVersion
) -> None:
    service.delete_role(session, actor=who, role_id=role_id, expected_version=version)
