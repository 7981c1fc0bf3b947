"""A tenant's bytes as a whole: listed and removed when the tenant is deleted."""

import uuid

from crm_files.storage import Storage, storage, tenant_prefix


def list_tenant_objects(tenant_id: uuid.UUID, *, store: Storage | None = None) -> list[str]:
    return (store or storage()).list_keys(tenant_prefix(tenant_id))


def remove_tenant_objects(tenant_id: uuid.UUID, *, store: Storage | None = None) -> int:
    """Remove every object of the tenant (every file, version and unconfirmed upload).
    Safe to run again; returns how many objects were removed."""
    store = store or storage()
    keys = store.list_keys(tenant_prefix(tenant_id))
    for start in range(0, len(keys), 1000):  # S3's batch limit
        store.remove_many(keys[start : start + 1000])
    return len(keys)
