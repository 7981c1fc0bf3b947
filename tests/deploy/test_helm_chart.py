"""The Helm chart SREs install (deploy/helm/crm), rendered with helm and checked.

`helm lint --strict`, then the rendered manifests parsed and held to what the platform
needs: every service's processes with the right command and env, probes and Services on
api, hooks for migrate, no secret in plain text, values overrides that take effect; and
the manifests validated against the Kubernetes API schemas with kubeconform.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "crm"
BIN = REPO / "var" / "cache" / "bin"
HELM = BIN / "helm"
KUBECONFORM = BIN / "kubeconform"
SCHEMAS = REPO / "var" / "cache" / "k8s-schemas"
FETCH_SCHEMAS = REPO / "deploy" / "helm" / "tools" / "fetch-k8s-schemas.sh"

# Oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest with schemas.
KUBE_VERSIONS = ("1.25.0", "1.37.0")
RENDER_KUBE_VERSION = "1.30.0"

RELEASE = "rel"
NAMESPACE = "crm"
FULLNAME = f"{RELEASE}-crm"
SECRET = "crm-platform-secrets"

# service -> (module, HTTP port, gRPC port), from ARCHITECTURE.md
SERVICES = {
    "identity": ("crm_identity", 8101, 9101),
    "customers": ("crm_customers", 8102, 9102),
    "sales": ("crm_sales", 8103, 9103),
    "service-desk": ("crm_service_desk", 8104, 9104),
    "files": ("crm_files", 8105, 9105),
    "search": ("crm_search", 8106, 9106),
}
PROCESSES = ("api", "consumer", "relay", "worker")
GATEWAY_PORT = 8000

# Values every render starts from: an existing Secret, so no secret is in values.
BASE = ["--set", f"secrets.existingSecret={SECRET}"]

pytestmark = pytest.mark.skipif(
    not HELM.is_file(),
    reason=f"helm binary missing at {HELM.relative_to(REPO)} (built by the tools install step)",
)

Manifest = dict[str, Any]


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HELM), *args], capture_output=True, text=True, timeout=120, check=False
    )


def render_text(*args: str, base: bool = True) -> str:
    result = helm(
        "template",
        RELEASE,
        str(CHART),
        "--namespace",
        NAMESPACE,
        "--kube-version",
        RENDER_KUBE_VERSION,
        *(BASE if base else []),
        *args,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def sources(text: str) -> Iterator[tuple[str, Manifest]]:
    """(template path, manifest) for each document of `helm template` output."""
    for chunk in re.split(r"^---\s*$", text, flags=re.M):
        source = re.search(r"^# Source: (\S+)", chunk, flags=re.M)
        doc = yaml.safe_load(chunk)
        if doc:
            assert source, chunk
            yield source.group(1), doc


def render(*args: str, base: bool = True) -> list[Manifest]:
    return [doc for _, doc in sources(render_text(*args, base=base))]


def render_fails(*args: str, base: bool = True) -> str:
    result = helm(
        "template",
        RELEASE,
        str(CHART),
        "--kube-version",
        RENDER_KUBE_VERSION,
        *(BASE if base else []),
        *args,
    )
    assert result.returncode != 0, "expected the render to fail"
    return result.stderr


def by_kind(docs: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def container(workload: Manifest) -> Manifest:
    containers: list[Manifest] = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def env_of(c: Manifest) -> dict[str, Manifest]:
    names = [e["name"] for e in c.get("env", [])]
    assert len(names) == len(set(names)), f"duplicate env names in {c['name']}: {names}"
    return {e["name"]: e for e in c.get("env", [])}


def secret_ref(var: Manifest) -> tuple[str, str]:
    ref = var["valueFrom"]["secretKeyRef"]
    return ref["name"], ref["key"]


def pod_specs(docs: list[Manifest]) -> Iterator[tuple[str, Manifest]]:
    for d in docs:
        if d["kind"] in ("Deployment", "Job"):
            yield f"{d['kind']}/{d['metadata']['name']}", d["spec"]["template"]["spec"]
        elif d["kind"] == "Pod":
            yield f"Pod/{d['metadata']['name']}", d["spec"]


@pytest.fixture(scope="module")
def default_text() -> str:
    return render_text()


@pytest.fixture(scope="module")
def docs(default_text: str) -> list[Manifest]:
    return [doc for _, doc in sources(default_text)]


@pytest.fixture(scope="module")
def deployments(docs: list[Manifest]) -> dict[str, Manifest]:
    return by_kind(docs, "Deployment")


# --- lint and values schema -------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        BASE,
        [
            "--set",
            "secrets.values.database-password=x,secrets.values.amqp-password=x",
            "--set",
            "secrets.values.s3-access-key=x,secrets.values.s3-secret-key=x",
            "--set",
            "secrets.values.jwt-signing-key=x,ingress.enabled=true",
            "--set",
            "secrets.values.web-secret-key=x,secrets.values.web-gateway-secret=x",
        ],
    ],
    ids=["existing-secret", "secret-from-values-with-ingress"],
)
def test_lint_strict(values: list[str]) -> None:
    result = helm("lint", "--strict", str(CHART), "--kube-version", RENDER_KUBE_VERSION, *values)
    assert result.returncode == 0, result.stdout + result.stderr


def test_chart_metadata() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2"
    assert chart["version"] == "0.1.0"
    assert str(chart["appVersion"]) == "0.1.0"
    json.loads((CHART / "values.schema.json").read_text())


def test_without_a_secret_source_the_render_names_the_missing_keys() -> None:
    err = render_fails(base=False)
    assert "secrets.existingSecret" in err
    for key in ("database-password", "amqp-password", "s3-access-key", "jwt-signing-key"):
        assert key in err


@pytest.mark.parametrize(
    ("override", "named"),
    [
        (
            "services.customers.processes.api.replicas=-1",
            "/services/customers/processes/api/replicas",
        ),
        ("services.customers.htpPort=8102", "htpPort"),
        ("services.customers.processes.cron.replicas=1", "cron"),
        ("services.customers.httpPort=70000", "/services/customers/httpPort"),
        ("services.Bad_Name.module=crm_bad", "Bad_Name"),
        ("external.postgres.host=", "/external/postgres/host"),
        ("config.logLevel=LOUD", "/config/logLevel"),
    ],
    ids=["negative-replicas", "misspelt-key", "unknown-process", "port", "name", "host", "enum"],
)
def test_schema_rejects_bad_values(override: str, named: str) -> None:
    err = render_fails("--set", override)
    assert "schema" in err, err
    assert named in err, err


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        (
            "services.sales.processes.api.autoscaling.enabled=true,"
            "services.sales.processes.api.autoscaling.targetCPUUtilizationPercentage=null",
            "targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage",
        ),
        (
            "services.sales.processes.api.autoscaling.enabled=true,"
            "services.sales.processes.api.autoscaling.minReplicas=20",
            "minReplicas 20 is above maxReplicas 10",
        ),
        ("ingress.enabled=true,ingress.service=nowhere", "ingress.service"),
        ("services.gateway.processes.api.enabled=false,ingress.enabled=true", "no enabled api"),
    ],
    ids=["hpa-without-metric", "hpa-min-above-max", "ingress-unknown", "ingress-no-api"],
)
def test_render_refuses_inconsistent_values(overrides: str, named: str) -> None:
    assert named in render_fails("--set", overrides)


# --- one template for every workload ----------------------------------------------------


def test_workloads_come_from_one_template(default_text: str) -> None:
    kinds_by_source: dict[str, set[str]] = {}
    for source, doc in sources(default_text):
        kinds_by_source.setdefault(source, set()).add(doc["kind"])
    assert kinds_by_source["crm/templates/workloads.yaml"] == {
        "Deployment",
        "Service",
        "PodDisruptionBudget",
    }
    assert kinds_by_source["crm/templates/migrate-job.yaml"] == {"Job"}
    for source, kinds in kinds_by_source.items():
        if source not in ("crm/templates/workloads.yaml", "crm/templates/migrate-job.yaml"):
            assert not kinds & {"Deployment", "Job", "HorizontalPodAutoscaler"}, source
    templates = {p.name for p in (CHART / "templates").iterdir()}
    assert not any(name in t for t in templates for name in SERVICES), templates


def test_every_service_runs_every_process(deployments: dict[str, Manifest]) -> None:
    expected = {f"{FULLNAME}-{s}-{p}" for s in SERVICES for p in PROCESSES}
    expected |= {f"{FULLNAME}-gateway-api", f"{FULLNAME}-web-api"}
    assert set(deployments) == expected


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("process", PROCESSES)
def test_process_command_and_settings(
    deployments: dict[str, Manifest], service: str, process: str
) -> None:
    module, http_port, grpc_port = SERVICES[service]
    workload = deployments[f"{FULLNAME}-{service}-{process}"]
    assert workload["metadata"]["labels"]["crm/service"] == service
    assert workload["metadata"]["labels"]["crm/process"] == process
    c = container(workload)
    assert c["command"] == ["python", "-m", module]
    assert c["args"] == [process]
    assert c["envFrom"] == [{"configMapRef": {"name": f"{FULLNAME}-env"}}]
    env = env_of(c)
    assert env["CRM_SERVICE_NAME"]["value"] == service
    assert env["CRM_HTTP_PORT"]["value"] == str(http_port)
    assert env["CRM_GRPC_PORT"]["value"] == str(grpc_port)
    assert env["OTEL_SERVICE_NAME"]["value"] == service
    attributes = env["OTEL_RESOURCE_ATTRIBUTES"]["value"]
    assert f"crm.process={process}" in attributes
    assert "k8s.pod.name=$(K8S_POD_NAME)" in attributes

    database = env["CRM_DATABASE_URL"]["value"]
    db_name = "crm_" + service.replace("-", "_")
    assert database.startswith("postgresql+psycopg://crm:$(CRM_DATABASE_PASSWORD)@")
    assert f":5432/{db_name}?" in database
    assert secret_ref(env["CRM_DATABASE_PASSWORD"]) == (SECRET, "database-password")
    assert env["CRM_AMQP_URL"]["value"].startswith("amqp://crm:$(CRM_AMQP_PASSWORD)@")
    assert env["CRM_AMQP_URL"]["value"].endswith(":5672/%2F")
    assert secret_ref(env["CRM_AMQP_PASSWORD"]) == (SECRET, "amqp-password")
    assert env["CRM_OPENSEARCH_URL"]["value"].endswith(":9200")
    assert env["CRM_S3_ENDPOINT"]["value"].startswith("http")
    assert env["CRM_S3_BUCKET"]["value"]
    assert secret_ref(env["CRM_S3_ACCESS_KEY"]) == (SECRET, "s3-access-key")
    assert secret_ref(env["CRM_S3_SECRET_KEY"]) == (SECRET, "s3-secret-key")
    if service == "identity":
        assert secret_ref(env["CRM_JWT_SIGNING_KEY"]) == (SECRET, "jwt-signing-key")
    else:
        assert "CRM_JWT_SIGNING_KEY" not in env

    # $(VAR) expands only from variables defined earlier in the list.
    order = [e["name"] for e in c["env"]]
    for name, value in ((n, e.get("value", "")) for n, e in env.items()):
        for ref in re.findall(r"\$\((\w+)\)", value):
            assert order.index(ref) < order.index(name), f"{name} uses {ref} before it is set"


def test_common_settings_configmap(docs: list[Manifest]) -> None:
    data = by_kind(docs, "ConfigMap")[f"{FULLNAME}-env"]["data"]
    assert data["CRM_HTTP_HOST"] == "0.0.0.0"  # noqa: S104 - a pod listens beyond loopback
    assert data["CRM_IDENTITY_JWKS_URL"] == (
        f"http://{FULLNAME}-identity:8101/.well-known/jwks.json"
    )
    for service, (_, http_port, grpc_port) in SERVICES.items():
        prefix = "CRM_" + service.upper().replace("-", "_")
        assert data[f"{prefix}_HTTP_URL"] == f"http://{FULLNAME}-{service}:{http_port}"
        assert data[f"{prefix}_GRPC_TARGET"] == f"{FULLNAME}-{service}:{grpc_port}"
    assert data["CRM_GATEWAY_HTTP_URL"] == f"http://{FULLNAME}-gateway:{GATEWAY_PORT}"
    assert all(isinstance(v, str) for v in data.values())
    assert not any(re.search("PASSWORD|SECRET", k) for k in data)


def test_gateway_is_the_public_api_without_backing_servers(
    deployments: dict[str, Manifest], docs: list[Manifest]
) -> None:
    c = container(deployments[f"{FULLNAME}-gateway-api"])
    assert c["command"] == ["python", "-m", "crm_gateway"]
    assert c["args"] == ["api"]
    env = env_of(c)
    assert env["CRM_HTTP_PORT"]["value"] == str(GATEWAY_PORT)
    for absent in ("CRM_GRPC_PORT", "CRM_DATABASE_URL", "CRM_AMQP_URL", "CRM_S3_SECRET_KEY"):
        assert absent not in env
    assert [p["containerPort"] for p in c["ports"]] == [GATEWAY_PORT]
    service = by_kind(docs, "Service")[f"{FULLNAME}-gateway"]
    assert [p["port"] for p in service["spec"]["ports"]] == [GATEWAY_PORT]
    assert not by_kind(docs, "Ingress"), "the Ingress is off unless asked for"


def test_the_web_console_and_the_gateway_find_each_other(
    deployments: dict[str, Manifest], docs: list[Manifest]
) -> None:
    web = container(deployments[f"{FULLNAME}-web-api"])
    assert web["command"] == ["python", "-m", "crm_web"]
    assert [p["containerPort"] for p in web["ports"]] == [8107]
    data = by_kind(docs, "ConfigMap")[f"{FULLNAME}-env"]["data"]
    # Read by web as its API address and by the gateway as the console's.
    assert data["CRM_GATEWAY_HTTP_URL"] == f"http://{FULLNAME}-gateway:{GATEWAY_PORT}"
    assert data["CRM_WEB_HTTP_URL"] == f"http://{FULLNAME}-web:8107"
    web_env = env_of(web)
    gateway_env = env_of(container(deployments[f"{FULLNAME}-gateway-api"]))
    assert secret_ref(web_env["CRM_WEB_SECRET_KEY"]) == (SECRET, "web-secret-key")
    shared = (SECRET, "web-gateway-secret")
    assert secret_ref(web_env["CRM_WEB_GATEWAY_SECRET"]) == shared
    assert secret_ref(gateway_env["CRM_GATEWAY_WEB_SECRET"]) == shared
    for absent in ("CRM_AMQP_URL", "CRM_S3_SECRET_KEY", "CRM_OPENSEARCH_URL"):
        assert absent not in web_env


def test_the_web_console_keeps_sessions_in_its_database_on_several_replicas(
    deployments: dict[str, Manifest], docs: list[Manifest]
) -> None:
    web = deployments[f"{FULLNAME}-web-api"]
    assert web["spec"]["replicas"] == 2, "sessions are shared: no single replica to pin"
    url = env_of(container(web))["CRM_DATABASE_URL"]["value"]
    assert "/crm_web?" in url
    # Its migrate hook creates the sessions table before the new pods start.
    job = by_kind(docs, "Job")[f"{FULLNAME}-web-migrate"]
    c = container(job)
    assert (c["command"], c["args"]) == (["python", "-m", "crm_web"], ["migrate"])
    assert env_of(c)["CRM_DATABASE_URL"]["value"] == url
    assert secret_ref(env_of(c)["CRM_WEB_SECRET_KEY"]) == (SECRET, "web-secret-key")


# --- api: ports, probes, Services, disruption budgets ------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_api_ports_probes_and_service(
    deployments: dict[str, Manifest], docs: list[Manifest], service: str
) -> None:
    _, http_port, grpc_port = SERVICES[service]
    c = container(deployments[f"{FULLNAME}-{service}-api"])
    assert {p["name"]: p["containerPort"] for p in c["ports"]} == {
        "http": http_port,
        "grpc": grpc_port,
    }
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert c["startupProbe"]["httpGet"]["port"] == "http"

    svc = by_kind(docs, "Service")[f"{FULLNAME}-{service}"]
    assert {p["name"]: (p["port"], p["targetPort"]) for p in svc["spec"]["ports"]} == {
        "http": (http_port, "http"),
        "grpc": (grpc_port, "grpc"),
    }
    pod_labels = deployments[f"{FULLNAME}-{service}-api"]["spec"]["template"]["metadata"]
    assert svc["spec"]["selector"].items() <= pod_labels["labels"].items()
    assert svc["spec"]["selector"]["crm/process"] == "api"

    pdb = by_kind(docs, "PodDisruptionBudget")[f"{FULLNAME}-{service}-api"]
    assert pdb["spec"]["selector"]["matchLabels"] == svc["spec"]["selector"]


def test_only_api_processes_have_ports_probes_services_and_pdbs(
    deployments: dict[str, Manifest], docs: list[Manifest]
) -> None:
    for name, workload in deployments.items():
        c = container(workload)
        is_api = name.endswith("-api")
        for key in ("ports", "livenessProbe", "readinessProbe"):
            assert (key in c) == is_api, f"{name}: {key}"
    services = set(by_kind(docs, "Service"))
    assert services == {f"{FULLNAME}-{s}" for s in [*SERVICES, "gateway", "web"]}
    pdbs = set(by_kind(docs, "PodDisruptionBudget"))
    assert pdbs == {f"{FULLNAME}-{s}-api" for s in [*SERVICES, "gateway", "web"]}
    assert not by_kind(docs, "HorizontalPodAutoscaler")


def test_grpc_health_probe_is_optional() -> None:
    deployments = by_kind(
        render("--set", "processDefaults.api.probes.grpc.enabled=true"), "Deployment"
    )
    c = container(deployments[f"{FULLNAME}-customers-api"])
    assert c["startupProbe"]["grpc"] == {"port": 9102}
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    gateway = container(deployments[f"{FULLNAME}-gateway-api"])
    assert "httpGet" in gateway["startupProbe"], "the gateway has no gRPC port"


# --- security and resources -------------------------------------------------------------


def test_pods_are_locked_down_and_sized(docs: list[Manifest]) -> None:
    pods = list(pod_specs(docs))
    assert len(pods) == 26 + 7 + 1  # Deployments, migrate Jobs (6 services, web), test Pod
    for name, pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        for c in pod["containers"]:
            sc = c["securityContext"]
            assert sc["runAsNonRoot"] is True, name
            assert sc["readOnlyRootFilesystem"] is True, name
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            assert c["resources"]["requests"]["cpu"], name
            assert c["resources"]["requests"]["memory"], name
            assert c["resources"]["limits"]["memory"], name
            tmp = {"name": "tmp", "mountPath": "/tmp"}  # noqa: S108 - the pod's own emptyDir
            assert tmp in c["volumeMounts"], name
            assert c["image"] == "ghcr.io/example/crm:0.1.0", name


def test_no_secret_is_in_plain_text(docs: list[Manifest]) -> None:
    assert not by_kind(docs, "Secret"), "an existing Secret is named: the chart makes none"
    for name, pod in pod_specs(docs):
        for c in pod["containers"]:
            for var in c.get("env", []):
                if re.search(r"PASSWORD|SECRET|_KEY$|TOKEN", var["name"]):
                    assert "value" not in var, f"{name}: {var['name']} is in plain text"
                    assert secret_ref(var)[0] == SECRET, name
                for match in re.findall(r"://([^@/]*)@", var.get("value", "")):
                    user, _, password = match.partition(":")
                    assert re.fullmatch(r"\$\(\w+\)", password), f"{name}: {var['name']}"


def test_secret_from_values_stays_in_the_secret() -> None:
    sentinels = {
        "database-password": "db-sentinel-Qx7",
        "amqp-password": "mq-sentinel-Zr4",
        "s3-access-key": "s3a-sentinel-Lp2",
        "s3-secret-key": "s3s-sentinel-Vn9",
        "jwt-signing-key": "jwt-sentinel-Hc5",
        "web-secret-key": "web-sentinel-Kd8",
        "web-gateway-secret": "webgw-sentinel-Ut3",
    }
    sets = ",".join(f"secrets.values.{k}={v}" for k, v in sentinels.items())
    text = render_text("--set", sets, base=False)
    docs = list(sources(text))
    secrets = [doc for _, doc in docs if doc["kind"] == "Secret"]
    assert len(secrets) == 1
    secret = secrets[0]
    assert secret["metadata"]["name"] == FULLNAME
    assert secret["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == sentinels
    for _, doc in docs:
        if doc["kind"] == "Secret":
            continue
        dumped = yaml.safe_dump(doc)
        for value in sentinels.values():
            assert value not in dumped
            assert base64.b64encode(value.encode()).decode() not in dumped
    for workload in (d for _, d in docs if d["kind"] == "Deployment"):
        annotations = workload["spec"]["template"]["metadata"]["annotations"]
        assert "checksum/secret" in annotations, "pods roll when the Secret changes"


# --- migrate hooks ----------------------------------------------------------------------


def test_migrate_jobs_are_hooks_per_service_with_a_database(docs: list[Manifest]) -> None:
    jobs = by_kind(docs, "Job")
    modules = {service: module for service, (module, _, _) in SERVICES.items()}
    modules["web"] = "crm_web"  # the console's sessions table
    assert set(jobs) == {f"{FULLNAME}-{s}-migrate" for s in modules}
    for service, module in modules.items():
        job = jobs[f"{FULLNAME}-{service}-migrate"]
        hooks = job["metadata"]["annotations"]
        assert hooks["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert "before-hook-creation" in hooks["helm.sh/hook-delete-policy"]
        pod = job["spec"]["template"]["spec"]
        assert pod["restartPolicy"] == "Never"
        assert pod["serviceAccountName"] == f"{FULLNAME}-migrate"
        c = container(job)
        assert c["command"] == ["python", "-m", module]
        assert c["args"] == ["migrate"]
        assert "envFrom" not in c, "a pre-install hook runs before the ConfigMap exists"
        env = env_of(c)
        assert "/crm_" + service.replace("-", "_") + "?" in env["CRM_DATABASE_URL"]["value"]
        assert env["CRM_SERVICE_NAME"]["value"] == service
        assert env["CRM_IDENTITY_JWKS_URL"]["value"].endswith("/.well-known/jwks.json")
        assert job["spec"]["backoffLimit"] >= 1
        assert job["spec"]["activeDeadlineSeconds"] > 0

    accounts = by_kind(docs, "ServiceAccount")
    migrate_sa = accounts[f"{FULLNAME}-migrate"]["metadata"]["annotations"]
    assert migrate_sa["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(migrate_sa["helm.sh/hook-weight"]) < 0, "exists before the Jobs run"
    assert "annotations" not in accounts[FULLNAME]["metadata"]


def test_migrate_can_be_turned_off_per_service() -> None:
    jobs = by_kind(render("--set", "services.search.migrate.enabled=false"), "Job")
    assert f"{FULLNAME}-search-migrate" not in jobs
    assert f"{FULLNAME}-customers-migrate" in jobs


# --- values overrides -------------------------------------------------------------------


def test_overrides_change_what_is_rendered() -> None:
    docs = render(
        "--set",
        "services.search.processes.worker.enabled=false",
        "--set",
        "services.customers.processes.api.replicas=5",
        "--set",
        "processDefaults.consumer.replicas=3",
        "--set",
        "services.sales.processes.api.autoscaling.enabled=true",
        "--set",
        "services.sales.processes.api.autoscaling.maxReplicas=12",
        "--set",
        "services.files.image.tag=9.9.9",
        "--set",
        "services.files.processes.worker.resources.limits.memory=2Gi",
        "--set",
        "services.search.processes.relay.replicas=0",
    )
    deployments = by_kind(docs, "Deployment")
    assert f"{FULLNAME}-search-worker" not in deployments
    assert len(deployments) == 25
    assert f"{FULLNAME}-search-api" in deployments
    assert deployments[f"{FULLNAME}-customers-api"]["spec"]["replicas"] == 5
    assert deployments[f"{FULLNAME}-sales-api"]["spec"].get("replicas") is None
    assert deployments[f"{FULLNAME}-identity-api"]["spec"]["replicas"] == 2
    assert deployments[f"{FULLNAME}-search-relay"]["spec"]["replicas"] == 0
    for service in SERVICES:
        assert deployments[f"{FULLNAME}-{service}-consumer"]["spec"]["replicas"] == 3
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    assert set(hpas) == {f"{FULLNAME}-sales-api"}
    hpa = hpas[f"{FULLNAME}-sales-api"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == f"{FULLNAME}-sales-api"
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 12)
    files_worker = container(deployments[f"{FULLNAME}-files-worker"])
    assert files_worker["image"] == "ghcr.io/example/crm:9.9.9"
    assert files_worker["resources"]["limits"]["memory"] == "2Gi"
    assert files_worker["resources"]["requests"]["memory"], "the rest of the defaults stay"
    assert container(deployments[f"{FULLNAME}-files-api"])["image"].endswith(":9.9.9")
    assert container(deployments[f"{FULLNAME}-sales-api"])["image"].endswith(":0.1.0")


def test_external_endpoints_and_a_database_on_its_own_cluster() -> None:
    deployments = by_kind(
        render(
            "--set",
            "external.postgres.host=pg.internal,external.postgres.params.sslmode=verify-full",
            "--set",
            "services.search.database.host=pg-search.internal,services.search.database.port=6432",
            "--set",
            "external.rabbitmq.host=mq.internal,external.rabbitmq.tls=true,"
            "external.rabbitmq.port=5671,external.rabbitmq.vhost=crm",
            "--set",
            "external.opensearch.scheme=https,external.opensearch.host=os.internal,"
            "external.opensearch.username=crm",
            "--set",
            "external.s3.endpoint=https://s3.eu-west-1.amazonaws.com,external.s3.bucket=acme-crm",
        ),
        "Deployment",
    )
    env = env_of(container(deployments[f"{FULLNAME}-customers-worker"]))
    assert env["CRM_DATABASE_URL"]["value"] == (
        "postgresql+psycopg://crm:$(CRM_DATABASE_PASSWORD)@pg.internal:5432/crm_customers"
        "?sslmode=verify-full"
    )
    assert env["CRM_AMQP_URL"]["value"] == "amqps://crm:$(CRM_AMQP_PASSWORD)@mq.internal:5671/crm"
    assert env["CRM_OPENSEARCH_URL"]["value"] == (
        "https://crm:$(CRM_OPENSEARCH_PASSWORD)@os.internal:9200"
    )
    assert secret_ref(env["CRM_OPENSEARCH_PASSWORD"]) == (SECRET, "opensearch-password")
    assert env["CRM_S3_ENDPOINT"]["value"] == "https://s3.eu-west-1.amazonaws.com"
    assert env["CRM_S3_BUCKET"]["value"] == "acme-crm"
    search = env_of(container(deployments[f"{FULLNAME}-search-api"]))
    assert "@pg-search.internal:6432/crm_search?" in search["CRM_DATABASE_URL"]["value"]


def test_database_url_from_the_secret() -> None:
    docs = render("--set", "external.postgres.urlSecretKey=database-url")
    for name, pod in pod_specs(docs):
        env = env_of(pod["containers"][0])
        if "CRM_DATABASE_URL" in env:
            assert secret_ref(env["CRM_DATABASE_URL"]) == (SECRET, "database-url"), name
            assert "CRM_DATABASE_PASSWORD" not in env


def test_ingress_goes_to_the_gateway() -> None:
    docs = render(
        "--set",
        "ingress.enabled=true,ingress.className=nginx,ingress.hosts[0].host=crm.acme.test",
        "--set",
        "ingress.hosts[0].paths[0].path=/,ingress.tls[0].secretName=crm-tls",
        "--set",
        "ingress.tls[0].hosts[0]=crm.acme.test",
    )
    ingress = by_kind(docs, "Ingress")[FULLNAME]["spec"]
    assert ingress["ingressClassName"] == "nginx"
    rule = ingress["rules"][0]
    assert rule["host"] == "crm.acme.test"
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": f"{FULLNAME}-gateway", "port": {"name": "http"}}
    assert ingress["tls"] == [{"hosts": ["crm.acme.test"], "secretName": "crm-tls"}]


# --- Kubernetes API schemas -------------------------------------------------------------

VARIANTS = {
    "defaults": [],
    "everything-on": [
        "--set",
        "ingress.enabled=true,processDefaults.api.probes.grpc.enabled=true",
        "--set",
        "processDefaults.worker.autoscaling.enabled=true",
        "--set",
        "processDefaults.api.autoscaling.enabled=true,"
        "processDefaults.api.autoscaling.targetMemoryUtilizationPercentage=80",
        "--set",
        "processDefaults.consumer.podDisruptionBudget.enabled=true,"
        "processDefaults.consumer.podDisruptionBudget.minAvailable=1",
        "--set",
        "external.opensearch.username=crm,otel.endpoint=http://otel:4317,otel.protocol=grpc",
    ],
}


@pytest.fixture(scope="module")
def k8s_schemas() -> Path:
    if not KUBECONFORM.is_file():
        pytest.skip(f"kubeconform binary missing at {KUBECONFORM.relative_to(REPO)}")
    subprocess.run(["bash", str(FETCH_SCHEMAS), *KUBE_VERSIONS], check=True, timeout=600)
    return SCHEMAS


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_manifests_match_the_kubernetes_api(
    k8s_schemas: Path, tmp_path: Path, kube_version: str, variant: str
) -> None:
    if variant == "everything-on" and kube_version < "1.27":
        pytest.skip("gRPC probes need Kubernetes 1.27")
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(render_text(*VARIANTS[variant]))
    location = str(k8s_schemas) + (
        "/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}"
        "/{{ .ResourceKind }}{{ .KindSuffix }}.json"
    )
    result = subprocess.run(
        [
            str(KUBECONFORM),
            "-strict",
            "-summary",
            "-output",
            "json",
            "-kubernetes-version",
            kube_version,
            "-schema-location",
            location,
            str(manifest),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert summary["invalid"] == summary["errors"] == summary["skipped"] == 0, summary
    assert summary["valid"] == len(render(*VARIANTS[variant]))
