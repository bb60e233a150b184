"""Phases of task-definition families and the single-inventory drift checks."""

from __future__ import annotations

from builders import inventory, live_td, service, task, td_arn, template_td

from ecsguard.lifecycle.drift import deployed_unscanned, stale_tasks
from ecsguard.lifecycle.phases import lifecycle_view


def _deployment(td: str, status: str, created: str, running: int = 1) -> dict[str, object]:
    return {
        "id": f"ecs-svc/{td[-1]}",
        "status": status,
        "taskDefinition": td,
        "runningCount": running,
        "pendingCount": 0,
        "createdAt": created,
        "updatedAt": created,
        "rolloutState": "COMPLETED" if status == "PRIMARY" else None,
    }


def test_phases_of_every_kind() -> None:
    retired = {**live_td("old", 1), "status": "INACTIVE", "deregisteredAt": 1764100000.0}
    deleting = {**live_td("gone", 2), "status": "DELETE_IN_PROGRESS"}
    inv = inventory(
        tds=[
            live_td("web", 1),
            live_td("web", 2),
            live_td("web", 3),
            live_td("idle", 1),
            retired,
            deleting,
        ],
        templates={"WebTaskDef": template_td("web"), "NewTaskDef": template_td("new")},
        services=[
            service(
                "web",
                td_arn("web", 3),
                [
                    _deployment(td_arn("web", 3), "PRIMARY", "2026-11-29T05:59:00Z", running=0),
                    _deployment(td_arn("web", 2), "ACTIVE", "2026-11-28T05:00:00Z", running=1),
                ],
            )
        ],
        tasks=[task(1, td_arn("web", 2), "service:web")],
    )
    view = {f.family: f for f in lifecycle_view(inv, gone={("us-east-1", "legacy")})}
    assert {name: f.phase for name, f in view.items()} == {
        "gone": "deleted",
        "idle": "registered",
        "legacy": "deleted",
        "new": "template-only",
        "old": "inactive",
        "web": "running",
    }
    web = view["web"]
    assert [(r.revision, r.phase, r.services, r.running_tasks) for r in web.revisions] == [
        (1, "registered", [], 0),
        (2, "running", ["web"], 1),
        (3, "deployed", ["web"], 0),
    ]
    assert web.templates == ["WebTaskDef"] and web.services == {"web": 3}
    assert web.revisions[0].registered_at == "2025-11-24T16:00:01Z"
    assert web.revisions[0].registered_by == "arn:aws:iam::111122223333:user/deployer"
    assert view["old"].revisions[0].deregistered_at == "2025-11-25T19:46:40Z"


def _stale_inventory(primary_created: str) -> object:
    return inventory(
        tds=[live_td("web", 1), live_td("web", 2)],
        services=[
            service(
                "web", td_arn("web", 2), [_deployment(td_arn("web", 2), "PRIMARY", primary_created)]
            )
        ],
        tasks=[task(1, td_arn("web", 1), "service:web"), task(2, td_arn("web", 2), "service:web")],
    )


def test_stale_tasks_beyond_a_deployment_life() -> None:
    old = _stale_inventory("2026-11-29T01:00:00Z")  # five hours before collection
    [finding] = stale_tasks(old)  # type: ignore[arg-type]
    assert finding.status == "fail" and finding.resource.name == "web"
    assert finding.evidence is not None
    assert finding.evidence.value == {"desired": td_arn("web", 2), "running": [td_arn("web", 1)]}
    fresh = _stale_inventory("2026-11-29T05:50:00Z")  # ten minutes: still deploying
    assert [f.status for f in stale_tasks(fresh)] == ["pass"]  # type: ignore[arg-type]
    assert [f.status for f in stale_tasks(fresh, grace_seconds=60)] == ["fail"]  # type: ignore[arg-type]
    clean = inventory(
        tds=[live_td("web", 2)],
        services=[service("web", td_arn("web", 2))],
        tasks=[
            task(2, td_arn("web", 2), "service:web"),
            task(3, td_arn("web", 1), "service:other"),
        ],
    )
    assert [f.status for f in stale_tasks(clean)] == ["pass"]


def test_deployed_revision_gate() -> None:
    inv = inventory(
        tds=[live_td("a", 1), live_td("b", 1), live_td("c", 1), live_td("d", 1)],
        services=[service(n, td_arn(n, 1)) for n in "abcd"],
    )
    gate = {td_arn("a", 1): None, td_arn("b", 1): "critical", td_arn("c", 1): "low"}
    statuses = {f.resource.name: f.status for f in deployed_unscanned(inv, gate, fail_on="high")}
    assert statuses == {"a:1": "pass", "b:1": "fail", "c:1": "pass", "d:1": "fail"}
    strict = {f.resource.name: f.status for f in deployed_unscanned(inv, gate, fail_on="low")}
    assert strict["c:1"] == "fail"
