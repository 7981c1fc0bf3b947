from typing import Any

from fastapi import APIRouter, Request, Response

from crm_identity.common.http import database
from crm_identity.keys import service
from crm_identity.settings import get_identity_settings

router = APIRouter(tags=["keys"])


@router.get("/.well-known/jwks.json")
def jwks(request: Request, response: Response) -> dict[str, Any]:
    """Public keys that verify access tokens: the current one and retired ones whose tokens
    may not have expired yet."""
    with database(request).platform_transaction() as session:
        document = service.jwks(session, settings=get_identity_settings(), now=service.utcnow())
        if not document["keys"]:  # a fresh deployment: its first key, before the first login
            service.rotate(session, now=service.utcnow())
            document = service.jwks(session, settings=get_identity_settings(), now=service.utcnow())
    response.headers["Cache-Control"] = "public, max-age=60"
    return document
