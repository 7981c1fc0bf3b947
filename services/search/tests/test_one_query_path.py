"""An invariant as a check: callers' queries reach OpenSearch only through `scoped_search`
(tenant and scope filters); `store.find` is indexing's own look-up by tenant."""

import re
from pathlib import Path

import crm_search

QUERY_CALL = re.compile(r"client\.(search|msearch|count|scroll|delete_by_query|update_by_query)\(")
ALLOWED = {("search/service.py", "scoped_search"), ("indexing/store.py", "find")}


def test_only_scoped_search_and_indexing_lookups_query_opensearch() -> None:
    root = Path(crm_search.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        source = path.read_text()
        for match in QUERY_CALL.finditer(source):
            function = re.findall(r"^def (\w+)", source[: match.start()], flags=re.MULTILINE)
            found.add((str(path.relative_to(root)), function[-1] if function else ""))
    assert found == ALLOWED
