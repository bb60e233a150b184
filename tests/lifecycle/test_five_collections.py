"""Five collections of a changing estate (built in moto through boto3, read by the real
collector) yield the exact change history, phases and drift findings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from ecsguard.collect import aws
from ecsguard.lifecycle.history import estate_history, resource_history
from ecsguard.lifecycle.stored import drift_findings, families_at
from ecsguard.model import Inventory
from ecsguard.posture.result import Finding, ResourceRef, finding_id
from ecsguard.store import Store, open_store
from ecsguard.store.testing import pg_schema_url, pg_url, snapshot_inventory
from ecsguard.testing import client, freeze_ecs_tasks, require_services, reset_moto

CANARY = "ghp_" + "FiveRunsCanary0" * 3


class Estate:
    def __init__(self, url: str) -> None:
        self.url = url
        self.ec2: Any = client(url, "ec2")
        self.ecs: Any = client(url, "ecs")
        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        # moto builds task ENIs only in VPCs with DNS hostnames on
        self.ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        self.sg = self.ec2.create_security_group(GroupName="web-sg", Description="web", VpcId=vpc)[
            "GroupId"
        ]
        self.ec2.authorize_security_group_ingress(
            GroupId=self.sg,
            IpPermissions=[_rule(443, "10.0.0.0/16")],
        )
        self.network = {
            "awsvpcConfiguration": {
                "subnets": [subnet],
                "securityGroups": [self.sg],
                "assignPublicIp": "DISABLED",
            }
        }
        self.ecs.create_cluster(clusterName="prod")

    def register(self, family: str, user: str, env: dict[str, str]) -> str:
        td = self.ecs.register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[
                {
                    "name": "web",
                    "image": "public.ecr.aws/nginx/nginx:1.25",
                    "cpu": 256,
                    "memory": 512,
                    "essential": True,
                    "user": user,
                    "environment": [{"name": k, "value": v} for k, v in env.items()],
                }
            ],
        )
        return str(td["taskDefinition"]["taskDefinitionArn"])

    def run_task(self, td: str) -> str:
        tasks = self.ecs.run_task(
            cluster="prod",
            taskDefinition=td,
            count=1,
            launchType="FARGATE",
            group="service:web",
            networkConfiguration=self.network,
        )["tasks"]
        return str(tasks[0]["taskArn"])


def _rule(port: int, cidr: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}


def collect(url: str, number: int, tmp: Path) -> Inventory:
    options = aws.CollectOptions(
        regions=("us-east-1",), endpoint_url=url, all_revisions=True, max_attempts=1, workers=4
    )
    path = tmp / f"collect-{number}.json"
    path.write_bytes(orjson.dumps(aws.collect(options)))  # as `ecsguard collect -o` writes it
    return snapshot_inventory(orjson.loads(path.read_bytes()), str(path))


def toy_scan(inv: Inventory) -> list[Finding]:
    """Findings as a scan would store them: root containers, SSH open to the world."""
    out = []
    for td in inv.task_definitions:
        root = any(c.user == "root" for c in td.container_definitions)
        out.append(_finding("ecs.task_definition.non_root_user", td, "fail" if root else "pass"))
    for sg in inv.security_groups:
        ssh = any(
            r.direction == "ingress" and r.covers_port("tcp", 22) and r.peer == "0.0.0.0/0"
            for r in sg.rules
        )
        out.append(_finding("ec2.security_group.no_public_ssh", sg, "fail" if ssh else "pass"))
    return out


def _finding(check: str, record: Any, status: str) -> Finding:
    return Finding(
        id=finding_id(check, record.id),
        check_id=check,
        title=check,
        severity="high",
        status=status,
        resource=ResourceRef(type=record.TYPE, id=record.id, name=record.name),
    )


@pytest.fixture(params=["sqlite", "postgres"])
def history_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        with open_store(str(tmp_path / "h.db")) as store:
            yield store
        return
    base = pg_url()
    if base is None:
        if require_services():
            pytest.fail("ECSGUARD_TEST_PG_URL is not set")
        pytest.skip("ECSGUARD_TEST_PG_URL is not set (no PostgreSQL server)")
    with pg_schema_url(base) as url, open_store(url) as store:
        yield store


def record(store: Store, inv: Inventory, n: int) -> int:
    run_id = store.record_run(inv, source=f"collect-{n}.json", kind="scan")
    store.record_findings(run_id, toy_scan(inv))
    return run_id


class Recorded:
    """The five collections (taken once per module) and the ids the checks refer to."""

    def __init__(self) -> None:
        self.inventories: list[Inventory] = []
        self.ids: dict[str, str] = {}


@pytest.fixture(scope="module")
def recorded(moto_url: str, tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    reset_moto(moto_url)
    freeze_ecs_tasks(moto_url)
    tmp = tmp_path_factory.mktemp("collections")
    out = Recorded()
    estate = Estate(moto_url)
    web1 = estate.register("web", "1000", {"LOG_LEVEL": "info"})
    service = estate.ecs.create_service(
        cluster="prod",
        serviceName="web",
        taskDefinition=web1,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=estate.network,
    )["service"]["serviceArn"]
    task1 = estate.run_task(web1)
    out.inventories.append(collect(moto_url, 1, tmp))

    # 2: a hot-fix revision runs as root with a token in plain env; the service moves to it
    web2 = estate.register("web", "root", {"LOG_LEVEL": "info", "API_TOKEN": CANARY})
    estate.ecs.update_service(cluster="prod", service="web", taskDefinition=web2)
    out.inventories.append(collect(moto_url, 2, tmp))

    # 3: SSH opened to the world; the task is replaced by one on the new revision
    estate.ec2.authorize_security_group_ingress(
        GroupId=estate.sg, IpPermissions=[_rule(22, "0.0.0.0/0")]
    )
    task2 = estate.run_task(web2)
    estate.ecs.stop_task(cluster="prod", task=task1)
    out.inventories.append(collect(moto_url, 3, tmp))

    # 4: the old revision is deregistered; a batch family is registered but never deployed
    estate.ecs.deregister_task_definition(taskDefinition=web1)
    batch1 = estate.register("batch", "1000", {})
    out.inventories.append(collect(moto_url, 4, tmp))

    # 5: SSH closed again; the batch family is retired and deleted
    estate.ec2.revoke_security_group_ingress(
        GroupId=estate.sg, IpPermissions=[_rule(22, "0.0.0.0/0")]
    )
    estate.ecs.deregister_task_definition(taskDefinition=batch1)
    estate.ecs.delete_task_definitions(taskDefinitions=[batch1])
    out.inventories.append(collect(moto_url, 5, tmp))
    out.ids = {"sg": estate.sg, "service": service, "web1": web1, "web2": web2}
    out.ids |= {"task1": task1, "task2": task2}
    return out


def test_five_collections(recorded: Recorded, history_db: Store) -> None:
    store, ids = history_db, recorded.ids
    runs = [record(store, inv, n + 1) for n, inv in enumerate(recorded.inventories)]
    scope = {"id": ids["service"], "kind": "service", "category": "cde"}
    store.record_scope(runs[0], {"ecsguard_scope": 1, "components": [scope]})
    _check_history(store, runs, ids)
    _check_phases(store, runs)
    _check_drift(store, runs, ids["service"], ids["web2"])
    _check_findings(store, runs, ids["sg"], ids["web2"])


def _events(store: Store, ref: str) -> list[tuple[int, str, list[tuple[str, str, Any, Any]]]]:
    return [
        (e.run_id, e.event, [(c.change, c.path, c.old, c.new) for c in e.changes])
        for e in resource_history(store, ref)
    ]


def _check_history(store: Store, runs: list[int], ids: dict[str, str]) -> None:
    r1, r2, r3, r4, r5 = runs
    sg, service, web1, web2 = ids["sg"], ids["service"], ids["web1"], ids["web2"]
    task1, task2 = ids["task1"], ids["task2"]
    rule = {
        "Rule": "tcp/22 from 0.0.0.0/0",
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "Peer": "0.0.0.0/0",
    }
    assert _events(store, sg) == [
        (r1, "appeared", []),
        (r3, "changed", [("added", "IpPermissions[tcp/22 from 0.0.0.0/0]", None, rule)]),
        (r5, "changed", [("removed", "IpPermissions[tcp/22 from 0.0.0.0/0]", rule, None)]),
    ]
    assert _events(store, service) == [
        (r1, "appeared", []),
        (r2, "changed", [("modified", "taskDefinition", web1, web2)]),
    ]
    web1_events = _events(store, "web:1")
    assert [(run, kind) for run, kind, _ in web1_events] == [(r1, "appeared"), (r4, "changed")]
    assert ("modified", "status", "ACTIVE", "INACTIVE") in web1_events[1][2]
    assert {path for _, path, _, _ in web1_events[1][2]} <= {"status", "deregisteredAt"}
    assert [(run, kind) for run, kind, _ in _events(store, task1)] == [
        (r1, "appeared"),
        (r3, "disappeared"),
    ]
    assert [(run, kind) for run, kind, _ in _events(store, task2)] == [(r3, "appeared")]
    assert [(run, kind) for run, kind, _ in _events(store, "batch:1")] == [
        (r4, "appeared"),
        (r5, "disappeared"),  # deleted revisions are no longer listed
    ]


def _phases(store: Store, run_id: int) -> dict[str, tuple[str, list[tuple[int, str]]]]:
    return {
        f.family: (f.phase, [(r.revision, r.phase) for r in f.revisions])
        for f in families_at(store, run_id)
    }


def _check_phases(store: Store, runs: list[int]) -> None:
    r1, r2, r3, r4, r5 = runs
    assert _phases(store, r1) == {"web": ("running", [(1, "running")])}
    assert _phases(store, r2) == {"web": ("running", [(1, "running"), (2, "deployed")])}
    assert _phases(store, r3) == {"web": ("running", [(1, "registered"), (2, "running")])}
    assert _phases(store, r4) == {
        "batch": ("registered", [(1, "registered")]),
        "web": ("running", [(1, "inactive"), (2, "running")]),
    }
    assert _phases(store, r5) == {
        "batch": ("deleted", []),  # gone from the account since run 4
        "web": ("running", [(1, "inactive"), (2, "running")]),
    }


def _failing(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.check_id, f.resource.id) for f in findings if f.status == "fail"}


def _check_drift(store: Store, runs: list[int], service: str, web2: str) -> None:
    r1, r2, r3, r4, r5 = runs
    stale = "lifecycle.service.tasks_on_desired_revision"
    gate = "lifecycle.task_definition.deployed_revision_scanned"
    cde = "lifecycle.scope.cde_unchanged_since_confirmation"
    assert _failing(drift_findings(store, r1)) == set()
    # run 2: the deployment is minutes old (within its life) unless no grace is allowed
    assert _failing(drift_findings(store, r2)) == {(gate, web2), (cde, service)}
    assert _failing(drift_findings(store, r2, grace_seconds=0)) == {
        (stale, service),
        (gate, web2),
        (cde, service),
    }
    for later in (r3, r4, r5):
        assert _failing(drift_findings(store, later, grace_seconds=0)) == {
            (gate, web2),
            (cde, service),
        }
    passed = {f.check_id for f in drift_findings(store, r1) if f.status == "pass"}
    assert passed == {stale, gate, cde} - {cde}  # no scope before run 1: nothing to compare


def _check_findings(store: Store, runs: list[int], sg: str, web2: str) -> None:
    r1, r2, r3, r4, r5 = runs
    history = estate_history(store)
    deltas = {
        d.run_id: (
            sorted(f.resource_id for f in d.opened),
            sorted(f.resource_id for f in d.resolved),
            sorted(f.resource_id for f in d.regressed),
        )
        for d in history.runs
    }
    assert deltas == {
        r1: ([], [], []),
        r2: ([web2], [], []),
        r3: ([sg], [], []),
        r4: ([], [], []),
        r5: ([], [sg], []),
    }
    spans = {s.finding.resource_id: (s.first_run, s.last_run, s.open) for s in history.findings}
    assert spans == {web2: (r2, r5, True), sg: (r3, r4, False)}
    everything = str(store.inventory_at(r5).task_definitions) + str(store.findings(r5))
    assert CANARY not in everything
