import uuid
from typing import Annotated

from fastapi import APIRouter, Response

from crm_identity.common.http import ExpectedVersion, Staff, StaffWith, set_etag
from crm_identity.org import service
from crm_identity.org.schemas import (
    DepartmentIn,
    DepartmentOut,
    DepartmentPatch,
    PositionIn,
    PositionOut,
)
from crmkit.auth import Principal
from crmkit.http import TenantSession
from crmkit.pagination import Page

router = APIRouter(tags=["org"])
ManageOrg = Annotated[Principal, StaffWith("identity:manage_org")]


@router.get("/api/v1/departments")
def list_departments(session: TenantSession, _: Staff) -> Page[DepartmentOut]:
    """The whole tree, flat: parents before nothing in particular, siblings in their order."""
    return Page(items=[DepartmentOut.model_validate(d) for d in service.list_departments(session)])


@router.post("/api/v1/departments", status_code=201)
def create_department(
    body: DepartmentIn, session: TenantSession, _: ManageOrg, response: Response
) -> DepartmentOut:
    department = service.create_department(session, **body.model_dump())
    set_etag(response, department.version)
    return DepartmentOut.model_validate(department)


@router.get("/api/v1/departments/{department_id}")
def get_department(
    department_id: uuid.UUID, session: TenantSession, _: Staff, response: Response
) -> DepartmentOut:
    department = service.get_department(session, department_id=department_id)
    set_etag(response, department.version)
    return DepartmentOut.model_validate(department)


@router.patch("/api/v1/departments/{department_id}")
def update_department(
    department_id: uuid.UUID,
    body: DepartmentPatch,
    session: TenantSession,
    _: ManageOrg,
    version: ExpectedVersion,
    response: Response,
) -> DepartmentOut:
    department = service.update_department(
        session,
        department_id=department_id,
        changes=body.model_dump(exclude_unset=True),
        expected_version=version,
    )
    set_etag(response, department.version)
    return DepartmentOut.model_validate(department)


@router.delete("/api/v1/departments/{department_id}", status_code=204)
def delete_department(
    department_id: uuid.UUID, session: TenantSession, _: ManageOrg, version: ExpectedVersion
) -> None:
    service.delete_department(session, department_id=department_id, expected_version=version)


@router.get("/api/v1/positions")
def list_positions(session: TenantSession, _: Staff) -> Page[PositionOut]:
    return Page(items=[PositionOut.model_validate(p) for p in service.list_positions(session)])


@router.post("/api/v1/positions", status_code=201)
def create_position(body: PositionIn, session: TenantSession, _: ManageOrg) -> PositionOut:
    return PositionOut.model_validate(service.create_position(session, name=body.name))


@router.get("/api/v1/positions/{position_id}")
def get_position(position_id: uuid.UUID, session: TenantSession, _: Staff) -> PositionOut:
    return PositionOut.model_validate(service.get_position(session, position_id=position_id))


@router.patch("/api/v1/positions/{position_id}")
def rename_position(
    position_id: uuid.UUID,
    body: PositionIn,
    session: TenantSession,
    _: ManageOrg,
    version: ExpectedVersion,
) -> PositionOut:
    position = service.rename_position(
        session, position_id=position_id, name=body.name, expected_version=version
    )
    return PositionOut.model_validate(position)


@router.delete("/api/v1/positions/{position_id}", status_code=204)
def delete_position(
    position_id: uuid.UUID, session: TenantSession, _: ManageOrg, version: ExpectedVersion
) -> None:
    service.delete_position(session, position_id=position_id, expected_version=version)
