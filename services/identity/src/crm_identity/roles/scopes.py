"""Data scopes and field rules, and how several roles combine.

A role sets a data scope per module; a user with several roles gets the widest. A role sets
a rule per module field; a user gets the least restrictive (a role that leaves the field
alone leaves it open).
"""

from collections.abc import Iterable
from enum import StrEnum


class DataScope(StrEnum):
    OWN = "own"
    SUBORDINATES = "subordinates"
    DEPARTMENT = "department"
    DEPARTMENT_TREE = "department_tree"
    ALL = "all"


SCOPE_WIDTH = {scope: width for width, scope in enumerate(DataScope)}


class FieldAccess(StrEnum):
    READ_ONLY = "read_only"
    MASKED = "masked"
    HIDDEN = "hidden"


ACCESS_RESTRICTION = {access: rank for rank, access in enumerate(FieldAccess, start=1)}


def widest(scopes: Iterable[DataScope]) -> DataScope:
    return max(scopes, key=SCOPE_WIDTH.__getitem__, default=DataScope.OWN)


def combine_scopes(per_role: list[dict[str, str]]) -> dict[str, DataScope]:
    modules = {module for scopes in per_role for module in scopes}
    return {
        module: widest(DataScope(s[module]) for s in per_role if module in s)
        for module in sorted(modules)
    }


def combine_field_rules(per_role: list[dict[str, dict[str, str]]]) -> dict[str, dict[str, str]]:
    if not per_role:
        return {}
    combined: dict[str, dict[str, str]] = {}
    fields = {(m, f) for rules in per_role for m, by_field in rules.items() for f in by_field}
    for module, field in sorted(fields):
        ranks = [
            ACCESS_RESTRICTION[FieldAccess(r[module][field])] if field in r.get(module, {}) else 0
            for r in per_role
        ]
        least = min(ranks)
        if least:
            access = next(a for a, rank in ACCESS_RESTRICTION.items() if rank == least)
            combined.setdefault(module, {})[field] = access.value
    return combined
