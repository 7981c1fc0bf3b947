"""The real local servers started by `make services` (scripts/servers/up.sh) answer as needed.

Settings come from the same environment variables the services use, with the local defaults.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import pika
import psycopg
import pytest

DATABASE_URL = os.environ.get(
    "CRM_DATABASE_URL", "postgresql+psycopg://crm:crm@127.0.0.1:5432/postgres"
)
AMQP_URL = os.environ.get("CRM_AMQP_URL", "amqp://crm:crm@127.0.0.1:5672/%2F")
RABBITMQ_MGMT_URL = os.environ.get("CRM_RABBITMQ_MGMT_URL", "http://127.0.0.1:15672")
OPENSEARCH_URL = os.environ.get("CRM_OPENSEARCH_URL", "http://127.0.0.1:9200").rstrip("/")
S3_ENDPOINT = os.environ.get("CRM_S3_ENDPOINT", "http://127.0.0.1:9000").rstrip("/")

TIMEOUT = httpx.Timeout(30.0)


def _libpq_url(url: str) -> str:
    """SQLAlchemy-style 'postgresql+psycopg://' -> libpq 'postgresql://'."""
    scheme, sep, rest = url.partition("://")
    return scheme.split("+", 1)[0] + sep + rest


# ---------------------------------------------------------------- PostgreSQL


def _one(conn: psycopg.Connection[Any], sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    assert row is not None, sql
    return row[0] if len(row) == 1 else row


def test_postgres_is_version_15_and_tuned_for_tests() -> None:
    with psycopg.connect(_libpq_url(DATABASE_URL), connect_timeout=10) as conn:
        version_num = int(_one(conn, "SHOW server_version_num"))
        assert version_num // 10000 == 15, version_num
        assert _one(conn, "SHOW fsync") == "on"
        assert int(_one(conn, "SHOW max_connections")) >= 300
        assert _one(conn, "SHOW listen_addresses") == "127.0.0.1"
        user, is_super = _one(
            conn, "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
        )
        assert is_super, f"{user} must be a superuser (tests create databases)"


def test_postgres_can_create_and_drop_a_database() -> None:
    name = f"crm_infra_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq_url(DATABASE_URL), autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        try:
            assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        finally:
            conn.execute(f'DROP DATABASE "{name}"')


# ---------------------------------------------------------------- RabbitMQ


def test_rabbitmq_amqp_round_trip() -> None:
    params = pika.URLParameters(AMQP_URL)
    params.socket_timeout = 10
    params.blocked_connection_timeout = 10
    conn = pika.BlockingConnection(params)
    try:
        ch = conn.channel()
        queue = ch.queue_declare(queue="", exclusive=True, auto_delete=True).method.queue
        body = f"ping-{uuid.uuid4()}".encode()
        ch.basic_publish(exchange="", routing_key=queue, body=body)
        for _ in range(50):
            method, _props, got = ch.basic_get(queue=queue, auto_ack=True)
            if method is not None:
                break
            conn.sleep(0.1)
        assert got == body
    finally:
        conn.close()


def test_rabbitmq_management_api_knows_user_crm() -> None:
    parts = urlsplit(AMQP_URL)
    user, password = unquote(parts.username or "crm"), unquote(parts.password or "crm")
    r = httpx.get(f"{RABBITMQ_MGMT_URL}/api/whoami", auth=(user, password), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["name"] == user == "crm"
    tags = me["tags"] if isinstance(me["tags"], list) else me["tags"].split(",")
    assert "administrator" in tags
    perms = httpx.get(
        f"{RABBITMQ_MGMT_URL}/api/permissions/%2F/{user}", auth=(user, password), timeout=TIMEOUT
    )
    assert perms.status_code == 200, perms.text
    assert perms.json()["configure"] == perms.json()["write"] == perms.json()["read"] == ".*"


# ---------------------------------------------------------------- OpenSearch


@pytest.fixture
def opensearch() -> Iterator[httpx.Client]:
    with httpx.Client(base_url=OPENSEARCH_URL, timeout=TIMEOUT) as client:
        yield client


def test_opensearch_has_the_modules_we_need(opensearch: httpx.Client) -> None:
    r = opensearch.get("/_nodes/plugins")
    assert r.status_code == 200, r.text
    nodes = r.json()["nodes"]
    assert nodes
    for node in nodes.values():
        assert node["version"] == "2.19.3"
        modules = {m["name"] for m in node["modules"]}
        assert {"analysis-common", "reindex", "mapper-extras"} <= modules, modules


def test_opensearch_cjk_and_edge_ngram_analysis(opensearch: httpx.Client) -> None:
    index = f"crm-infra-{uuid.uuid4().hex[:12]}"
    body = {
        "settings": {
            "number_of_shards": 1,
            "number_of_replicas": 0,
            "analysis": {
                "tokenizer": {
                    "prefix": {
                        "type": "edge_ngram",
                        "min_gram": 1,
                        "max_gram": 4,
                        "token_chars": ["letter", "digit"],
                    },
                    "grams": {"type": "ngram", "min_gram": 2, "max_gram": 3},
                },
                "analyzer": {
                    "name_cjk": {"type": "cjk"},
                    "name_prefix": {
                        "type": "custom",
                        "tokenizer": "prefix",
                        "filter": ["lowercase"],
                    },
                    "name_grams": {"type": "custom", "tokenizer": "grams"},
                },
            },
        },
        "mappings": {
            "properties": {
                "name": {
                    "type": "text",
                    "analyzer": "name_cjk",
                    "fields": {
                        "prefix": {
                            "type": "text",
                            "analyzer": "name_prefix",
                            "search_analyzer": "standard",
                        }
                    },
                },
                # scaled_float comes from the mapper-extras module
                "score": {"type": "scaled_float", "scaling_factor": 100},
            }
        },
    }
    r = opensearch.put(f"/{index}", json=body)
    assert r.status_code == 200, r.text
    try:
        r = opensearch.post(
            f"/{index}/_analyze", json={"analyzer": "name_cjk", "text": "北京华强科技有限公司"}
        )
        assert r.status_code == 200, r.text
        tokens = [t["token"] for t in r.json()["tokens"]]
        assert tokens == ["北京", "京华", "华强", "强科", "科技", "技有", "有限", "限公", "公司"]

        r = opensearch.post(f"/{index}/_analyze", json={"analyzer": "name_prefix", "text": "Acme"})
        assert [t["token"] for t in r.json()["tokens"]] == ["a", "ac", "acm", "acme"]

        r = opensearch.put(
            f"/{index}/_doc/1",
            params={"refresh": "true"},
            json={"name": "北京华强科技有限公司", "score": 0.57},
        )
        assert r.status_code in (200, 201), r.text
        r = opensearch.post(f"/{index}/_search", json={"query": {"match": {"name": "华强"}}})
        assert r.json()["hits"]["total"]["value"] == 1
    finally:
        opensearch.delete(f"/{index}")


def test_opensearch_reindex(opensearch: httpx.Client) -> None:
    src, dst = (f"crm-infra-{uuid.uuid4().hex[:12]}" for _ in range(2))
    try:
        for i in range(3):
            r = opensearch.put(f"/{src}/_doc/{i}", json={"n": i})
            assert r.status_code in (200, 201), r.text
        opensearch.post(f"/{src}/_refresh")
        r = opensearch.post(
            "/_reindex",
            params={"refresh": "true"},
            json={"source": {"index": src}, "dest": {"index": dst}},
        )
        assert r.status_code == 200, r.text
        assert r.json()["created"] == 3
        assert opensearch.get(f"/{dst}/_count").json()["count"] == 3
    finally:
        opensearch.delete(f"/{src},{dst}", params={"ignore_unavailable": "true"})


# ---------------------------------------------------------------- MinIO


def test_minio_is_live_and_checks_signatures() -> None:
    r = httpx.get(f"{S3_ENDPOINT}/minio/health/live", timeout=TIMEOUT)
    assert r.status_code == 200
    # an unsigned ListBuckets must be refused: the server checks signatures
    r = httpx.get(f"{S3_ENDPOINT}/", timeout=TIMEOUT)
    assert r.status_code == 403, r.text
    assert "AccessDenied" in r.text
