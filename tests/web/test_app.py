"""Dashboard pages and API over a results folder: filters, escaping, auth, headers, traversal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from ecsguard.web.app import create_app
from ecsguard.web.data import DashboardData

XSS = "<img src=x onerror=alert(1)>"


def finding(
    i: int, severity: str, status: str, name: str = "web", scope: str | None = None
) -> dict[str, Any]:
    return {
        "id": f"f{i}",
        "check_id": "ecs.task_definition.no_privileged_containers"
        if i % 2
        else "ecs.task_definition.non_root_user",
        "title": "Privileged container" if i % 2 else "Runs as root",
        "severity": severity,
        "status": status,
        "resource": {
            "type": "AWS::ECS::TaskDefinition",
            "id": f"arn:aws:ecs:us-east-1:1:task-definition/{name}:{i}",
            "name": f"{name}:{i}",
            "region": "us-east-1",
        },
        "evidence": {"path": "containerDefinitions[0].privileged", "value": True},
        "detail": "container app is privileged",
        "remediation": "set privileged to false",
        "references": {"securityhub": ["ECS.4"]},
        "frameworks": {"pci-dss-4.0": ["2.2.5"]}
        if i % 2
        else {"hipaa-security-rule": ["164.312(a)(1)"]},
        **({"scope": scope} if scope else {}),
    }


@pytest.fixture
def data() -> DashboardData:
    results = [
        finding(1, "critical", "fail", scope="cde"),
        finding(2, "high", "fail"),
        finding(3, "low", "pass"),
        finding(4, "medium", "error", name=XSS),
    ]
    scope = {
        "ecsguard_scope": 1,
        "components": [
            {
                "id": "svc-pay",
                "kind": "service",
                "name": "payment-api",
                "category": "cde",
                "reasons": [
                    {
                        "rule": "C1",
                        "code": "declared-chd",
                        "text": "tagged pci:chd=process",
                        "path": ["svc-pay"],
                        "evidence": [],
                    }
                ],
                "flags": [],
            },
            {
                "id": "svc-x",
                "kind": "service",
                "name": XSS,
                "category": "connected-to",
                "reasons": [
                    {
                        "rule": "C3",
                        "code": "can-reach-cde",
                        "text": "reaches payment-api on tcp/8443",
                        "path": ["svc-x", "svc-pay"],
                        "evidence": ["sgr-1"],
                    }
                ],
                "flags": [],
            },
        ],
        "edges": [
            {
                "from": "svc-x",
                "to": "svc-pay",
                "type": "can_reach",
                "ports": "tcp/8443",
                "evidence": ["sgr-1"],
            }
        ],
        "events": [{"type": "SCOPE_EXPANDED", "component": "svc-x", "text": "svc-x joined scope"}],
        "unknowns": [],
    }
    alerts = [
        {
            "id": "a1",
            "time": "2026-12-01T10:00:00Z",
            "rule_id": "reverse_shell",
            "finding_type": "Execution:Runtime/ReverseShell",
            "severity": "high",
            "title": "Reverse shell",
            "event_uids": ["e1"],
            "resource": {"cluster": "payments", "container": "app"},
            "process": {
                "name": "bash",
                "cmdline": "bash -i",
                "pid": 42,
                "ancestors": ["python3", "containerd-shim"],
            },
            "detail": "d",
            "mitre": ["T1059"],
        },
        {
            "id": "a2",
            "time": "2026-12-01T11:00:00Z",
            "rule_id": "miner",
            "finding_type": "CryptoCurrency:Runtime/BitcoinTool.B",
            "severity": "high",
            "title": XSS,
            "event_uids": ["e2"],
            "resource": {"cluster": "storefront"},
            "process": {"name": "xmrig", "cmdline": "xmrig", "pid": 7, "ancestors": []},
            "detail": "",
            "mitre": [],
        },
    ]
    return DashboardData(
        scan={"results": results},
        scope=scope,
        alerts=alerts,
        runs=[{"summary": {"fail": 5}}, {"summary": {"fail": 2}}],
    )


def test_pages_load_and_escape(data: DashboardData) -> None:
    client = TestClient(create_app(data))
    for path in [
        "/",
        "/findings",
        "/findings/f4",
        "/scope",
        "/alerts",
        "/alerts/a2",
        "/compliance",
        f"/resources/{data.findings[3]['resource']['id']}",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert XSS not in response.text, path
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert response.headers["x-frame-options"] == "DENY"
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get("/findings").text


def test_filters_narrow_findings(data: DashboardData) -> None:
    client = TestClient(create_app(data))
    assert client.get("/api/findings").json()["total"] == 4
    assert client.get("/api/findings", params={"severity": "critical"}).json()["total"] == 1
    assert client.get("/api/findings", params={"status": "fail"}).json()["total"] == 2
    assert (
        client.get(
            "/api/findings", params={"framework": "pci-dss-4.0", "requirement": "2.2.5"}
        ).json()["total"]
        == 2
    )
    assert client.get("/api/findings", params={"cde": "1"}).json()["total"] == 1
    assert client.get("/api/findings", params={"q": "root"}).json()["total"] == 2
    page = client.get("/findings", params={"severity": "critical"}).text
    assert "payment" not in page or "web:1" in page
    assert "web:2" not in page and "web:1" in page


def test_api_alert_tree_and_scope(data: DashboardData) -> None:
    client = TestClient(create_app(data))
    tree = client.get("/api/alerts/a1").json()["tree"]
    assert [n["name"] for n in tree] == ["containerd-shim", "python3", "bash"]
    scope = client.get("/api/scope").json()
    assert set(scope["layout"]) == {"svc-pay", "svc-x"}
    assert client.get("/api/alerts", params={"cluster": "payments"}).json()["total"] == 1
    assert client.get("/openapi.json").json()["info"]["title"] == "ecsguard dashboard API"
    assert client.get("/api/findings/nope").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/resources/..%2f..%2fetc%2fpasswd",
        "/api/resources/../../etc/passwd",
    ],
)
def test_path_traversal_finds_nothing(data: DashboardData, path: str) -> None:
    response = TestClient(create_app(data)).get(path)
    assert response.status_code == 404
    assert "root:x:0:0" not in response.text


def test_token_required_for_pages_and_api(data: DashboardData) -> None:
    token = "s3cret-token-0123456789"
    client = TestClient(create_app(data, token=token))
    assert client.get("/api/summary").status_code == 401
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (
        client.get("/api/summary", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    assert client.post("/login", data={"password": "wrong"}).status_code == 200
    assert client.get("/api/summary").status_code == 401
    client.post("/login", data={"password": token})
    assert client.get("/api/summary").status_code == 200
    assert client.get("/static/style.css").status_code == 200


def test_non_loopback_bind_without_token_refuses(tmp_path: Path) -> None:
    (tmp_path / "findings.json").write_bytes(orjson.dumps({"results": []}))
    env = {k: v for k, v in __import__("os").environ.items() if k != "ECSGUARD_TOKEN"}
    proc = subprocess.run(
        [sys.executable, "-m", "ecsguard", "serve", "--host", "0.0.0.0", "--from", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 2
    assert "ECSGUARD_TOKEN" in proc.stderr


def test_from_directory_reads_results(tmp_path: Path, data: DashboardData) -> None:
    (tmp_path / "findings.json").write_bytes(orjson.dumps(data.scan))
    (tmp_path / "scope.json").write_bytes(orjson.dumps(data.scope))
    (tmp_path / "alerts.jsonl").write_bytes(b"\n".join(orjson.dumps(a) for a in data.alerts))
    loaded = DashboardData.from_directory(tmp_path)
    assert len(loaded.findings) == 4 and len(loaded.alerts) == 2 and loaded.scope is not None
