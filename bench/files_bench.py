"""Files on the whole platform as real processes (crmkit.testing.stack): upload and download
throughput of one file (default 100 MB) through the files API's presigned URLs, against the
minio client putting and getting the same bytes straight to MinIO, as a ratio; and what a
thumbnail of a 12-megapixel phone photo costs, made and then stored.

- through files: `POST /api/v1/files` (gateway) → `PUT upload_url` (MinIO) → `POST
  files/{id}/complete` (the service copies the object and streams it back for its SHA-256)
  for the upload; `GET /api/v1/files/{id}` → `GET download_url` (read to the end) for the
  download. The client's own SHA-256 of the file is computed before the clock starts;
- direct: `Minio.put_object` and `Minio.get_object` (read to the end) of the same bytes.

The two alternate for `--rounds` rounds and the median of each is reported. The bytes are a
PDF header and random data (the sniffed type must be allowed; random data does not compress).

Run: `python bench/files_bench.py [--mb 100] [--rounds 3]` (servers up: `make services`).
The stack is named `bench_files` on offset 8000 (gateway 26000), logs in var/log/bench_files/.
"""

import argparse
import hashlib
import io
import json
import os
import socket
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx
from minio import Minio

sys.path.insert(0, str(Path(__file__).parent))

from stack_bench import RATE_LIMITS, Load, Tenant, login, sign_up  # noqa: E402

from crm_files.settings import FilesSettings  # noqa: E402
from crm_files.tenants import remove_tenant_objects  # noqa: E402
from crmkit.settings import Settings  # noqa: E402
from crmkit.testing.stack import Stack, start_stack  # noqa: E402

OFFSET = 8000
MB = 1_000_000


def start(size: int) -> Stack:
    shift = int(os.environ.get("CRM_TEST_PORT_SHIFT", "0"))
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 18000 + OFFSET + shift)) == 0:
            raise SystemExit(f"port {18000 + OFFSET + shift} is taken: another files bench?")
    customers = f"127.0.0.1:{19100 + OFFSET + shift + 2}"  # the stack's customers gRPC
    owners = {
        name: {"target": customers, "record_type": number}
        for name, number in (("customer", 1), ("contact", 2), ("follow_up", 3))
    }
    os.environ.update(RATE_LIMITS)  # the stack copies os.environ into every process
    os.environ["CRM_FILES_RECORD_OWNERS"] = json.dumps(owners)
    default_limit = FilesSettings.model_fields["max_file_bytes"].default
    os.environ["CRM_FILES_MAX_FILE_BYTES"] = str(max(size, default_limit))
    print("starting the stack ...", flush=True)
    began = time.perf_counter()
    stack = start_stack(Settings(), name="bench_files", offset=OFFSET)
    print(f"stack ready in {time.perf_counter() - began:.0f} s")
    return stack


def minio_client(settings: Settings) -> Minio:
    endpoint = httpx.URL(settings.s3_endpoint)
    return Minio(
        f"{endpoint.host}:{endpoint.port}",
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=endpoint.scheme == "https",
    )


def read_all(response: httpx.Response) -> int:
    return sum(len(chunk) for chunk in response.iter_bytes(1024 * 1024))


def through_files(
    api: httpx.Client, storage: httpx.Client, customer_id: str, data: bytes, sha256: str
) -> tuple[float, float, float, float]:
    """Seconds: upload (create + PUT + complete), of which PUT and complete, and download."""
    began = time.perf_counter()
    ticket = api.post(
        "/api/v1/files",
        json={
            "record_type": "customer",
            "record_id": customer_id,
            "name": "bench.pdf",
            "size": len(data),
            "content_type": "application/pdf",
            "sha256": sha256,
        },
    ).raise_for_status()
    put_began = time.perf_counter()
    storage.put(ticket.json()["upload_url"], content=data).raise_for_status()
    put_done = time.perf_counter()
    file_id = ticket.json()["id"]
    api.post(f"/api/v1/files/{file_id}/complete").raise_for_status()
    uploaded = time.perf_counter()
    url = api.get(f"/api/v1/files/{file_id}").raise_for_status().json()["download_url"]
    with storage.stream("GET", url) as response:
        response.raise_for_status()
        if read_all(response) != len(data):
            raise RuntimeError("the download is not the whole file")
    downloaded = time.perf_counter()
    api.delete(f"/api/v1/files/{file_id}").raise_for_status()
    return uploaded - began, put_done - put_began, uploaded - put_done, downloaded - uploaded


def phone_photo() -> bytes:
    """A 12-megapixel JPEG with noise in it, about the size a phone's photo is."""
    from PIL import Image

    channels = [Image.effect_noise((4000, 3000), sigma) for sigma in (40, 60, 80)]
    out = io.BytesIO()
    Image.merge("RGB", channels).save(out, format="JPEG", quality=90)
    return out.getvalue()


def thumbnail_cost(
    api: httpx.Client, storage: httpx.Client, customer_id: str, photo: bytes
) -> tuple[float, float, int]:
    """Seconds to the thumbnail's bytes on the first ask (made) and the next (stored), and
    its size in bytes."""
    ticket = api.post(
        "/api/v1/files",
        json={
            "record_type": "customer",
            "record_id": customer_id,
            "name": "site.jpg",
            "size": len(photo),
            "content_type": "image/jpeg",
            "sha256": hashlib.sha256(photo).hexdigest(),
        },
    ).raise_for_status()
    storage.put(ticket.json()["upload_url"], content=photo).raise_for_status()
    file_id = ticket.json()["id"]
    api.post(f"/api/v1/files/{file_id}/complete").raise_for_status()
    timings, size = [], 0
    for _ in range(2):
        began = time.perf_counter()
        url = api.get(f"/api/v1/files/{file_id}/thumbnail").raise_for_status().json()["url"]
        size = len(storage.get(url).raise_for_status().content)
        timings.append(time.perf_counter() - began)
    api.delete(f"/api/v1/files/{file_id}").raise_for_status()
    return timings[0], timings[1], size


def direct(client: Minio, bucket: str, data: bytes) -> tuple[float, float]:
    key = f"bench/{uuid.uuid4()}"
    began = time.perf_counter()
    client.put_object(bucket, key, io.BytesIO(data), len(data))
    uploaded = time.perf_counter()
    response = client.get_object(bucket, key)
    try:
        size = sum(len(chunk) for chunk in response.stream(1024 * 1024))
    finally:
        response.close()
        response.release_conn()
    downloaded = time.perf_counter()
    client.remove_object(bucket, key)
    if size != len(data):
        raise RuntimeError("the direct download is not the whole file")
    return uploaded - began, downloaded - uploaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mb", type=float, default=100, help="file size in MB (10^6 bytes)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = int(args.mb * MB)
    data = b"%PDF-1.7\n" + os.urandom(size - 9)
    sha256 = hashlib.sha256(data).hexdigest()
    settings = Settings()
    stack = start(size)
    tenant_id = None
    try:
        with httpx.Client(base_url=stack.gateway_url, timeout=60) as http:
            slug = f"bf-{uuid.uuid4().hex[:10]}"
            sign_up(http, slug)
            tenant = Tenant(slug, f"admin@{slug}.example.com")
            api = httpx.Client(
                base_url=stack.gateway_url,
                headers={"Authorization": f"Bearer {login(http, tenant)}"},
                timeout=600,
            )
            tenant_id = api.get("/api/v1/me").raise_for_status().json()["tenant"]["id"]
            customer = api.post("/api/v1/customers", json={"kind": "company", "name": "文件测试"})
            customer_id = customer.raise_for_status().json()["id"]
            storage = httpx.Client(timeout=600)
            minio = minio_client(settings)
            load = Load(p.pid for p in stack.processes.values())
            files_runs, direct_runs = [], []
            for _ in range(args.rounds):
                files_runs.append(through_files(api, storage, customer_id, data, sha256))
                direct_runs.append(direct(minio, settings.s3_bucket, data))
            photo = phone_photo()
            thumbs = [thumbnail_cost(api, storage, customer_id, photo) for _ in range(args.rounds)]
        up, put, complete, down = (statistics.median(r[i] for r in files_runs) for i in range(4))
        direct_up, direct_down = (statistics.median(r[i] for r in direct_runs) for i in range(2))
        mb = size / MB

        def rate(seconds: float) -> str:
            return f"{mb / seconds:7.1f} MB/s ({seconds:.2f} s)"

        print(
            f"\nfiles: one {mb:.0f} MB file, median of {args.rounds} alternating rounds "
            f"(API calls through the gateway, bytes straight to MinIO):"
        )
        print(
            f"  upload   through files {rate(up)} | direct {rate(direct_up)} | "
            f"ratio {direct_up / up:.2f}"
        )
        print(f"           of which PUT {put:.2f} s, complete (copy + SHA-256) {complete:.2f} s")
        print(
            f"  download through files {rate(down)} | direct {rate(direct_down)} | "
            f"ratio {direct_down / down:.2f}"
        )
        print("  (ratio: files throughput / direct throughput; 1.00 = no cost)")
        made, stored, thumb_bytes = (statistics.median(r[i] for r in thumbs) for i in range(3))
        print(
            f"  thumbnail of a 12 MP JPEG ({len(photo) / MB:.1f} MB): first ask (made) "
            f"{made * 1000:.0f} ms, next ask (stored) {stored * 1000:.0f} ms, "
            f"{thumb_bytes / 1000:.1f} KB WebP"
        )
        print(load.summary())
    finally:
        stack.stop()
        if tenant_id:
            remove_tenant_objects(uuid.UUID(tenant_id))


if __name__ == "__main__":
    main()
