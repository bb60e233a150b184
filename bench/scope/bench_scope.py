"""Scope benchmark: a generated estate of N services, N/2.5 security groups and 10 rules per
group (5,000 / 2,000 / 20,000 at scale 1) spread over VPCs of 1,000 services and 40 subnets
each, scoped at scale 1 and 2; prints seconds and the ratio of the doubled run to the base
run (target: < 10 s, ratio < 2.5). Rules: 75% group references, 20% subnet CIDRs, 3%
0.0.0.0/0 (public entry), 2% VPC-wide CIDRs; egress: all to 0.0.0.0/0 plus one reference;
5% of services declared CHD; two running tasks per service.

    .venv/bin/python bench/scope/bench_scope.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from ecsguard.collect.snapshot import load_snapshot
from ecsguard.model import Inventory, InventoryBuilder
from ecsguard.scope.engine import compute_scope

ACCT = "111122223333"
REGION = "us-east-1"


def _perm(
    proto: str, port: int | None, cidr: str | None = None, group: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {"IpProtocol": proto, "IpRanges": [{"CidrIp": cidr}] if cidr else [], "Ipv6Ranges": [],
                            "PrefixListIds": [], "UserIdGroupPairs": [{"GroupId": group}] if group else []}  # fmt: skip
    if port is not None:
        item["FromPort"] = item["ToPort"] = port
    return item


def estate(services: int, seed: int = 7) -> dict[str, Any]:
    rnd = random.Random(seed)
    n_sg = max(2, int(services / 2.5))
    n_vpc = max(1, services // 1000)  # a larger estate has more VPCs of the same shape
    subnets: list[tuple[str, str, str]] = []
    vpcs = []
    for v in range(n_vpc):
        vpc = f"vpc-{v:04d}"
        vpcs.append({"VpcId": vpc, "CidrBlock": f"10.{v}.0.0/16"})
        for s in range(40):
            subnets.append((f"subnet-{v:03d}{s:03d}", vpc, f"10.{v}.{s}.0/24"))
    sgs = []
    for g in range(n_sg):
        vpc = f"vpc-{g % n_vpc:04d}"
        ingress = []
        for _ in range(8):
            r = rnd.random()
            port = rnd.choice([443, 8080, 8443, 5432, 6379, 9000])
            if r < 0.75:
                ingress.append(_perm("tcp", port, group=f"sg-{rnd.randrange(n_sg):06d}"))
            elif r < 0.95:
                ingress.append(_perm("tcp", port, cidr=f"10.{g % n_vpc}.{rnd.randrange(40)}.0/24"))
            elif r < 0.98:
                ingress.append(_perm("tcp", 443, cidr="0.0.0.0/0"))
            else:
                ingress.append(_perm("tcp", port, cidr=f"10.{g % n_vpc}.0.0/16"))
        egress = [
            _perm("-1", None, cidr="0.0.0.0/0"),
            _perm("tcp", 443, group=f"sg-{rnd.randrange(n_sg):06d}"),
        ]
        sgs.append(
            {
                "GroupId": f"sg-{g:06d}",
                "GroupName": f"sg{g}",
                "VpcId": vpc,
                "IpPermissions": ingress,
                "IpPermissionsEgress": egress,
            }
        )
    svcs, tds = [], []
    for i in range(services):
        fam = f"svc{i}"
        td_arn = f"arn:aws:ecs:{REGION}:{ACCT}:task-definition/{fam}:1"
        chd = "process" if rnd.random() < 0.05 else "none"
        tds.append({"taskDefinitionArn": td_arn, "family": fam, "revision": 1, "status": "ACTIVE", "networkMode": "awsvpc",
                    "taskRoleArn": f"arn:aws:iam::{ACCT}:role/role{i % 300}",
                    "containerDefinitions": [{"name": fam, "image": f"{ACCT}.dkr.ecr.{REGION}.amazonaws.com/{fam}:1",
                                              "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": f"/ecs/{i % 50}"}}}]})  # fmt: skip
        v = rnd.randrange(n_vpc)
        nets = [s for s in subnets if s[1] == f"vpc-{v:04d}"]
        groups = sorted(
            {f"sg-{rnd.randrange(v, n_sg, n_vpc):06d}" for _ in range(rnd.choice([1, 1, 2]))}
        )
        svcs.append({"serviceArn": f"arn:aws:ecs:{REGION}:{ACCT}:service/c{i % 20}/{fam}", "serviceName": fam,
                     "clusterArn": f"arn:aws:ecs:{REGION}:{ACCT}:cluster/c{i % 20}", "taskDefinition": td_arn,
                     "launchType": "FARGATE", "desiredCount": 2, "tags": [{"key": "pci:chd", "value": chd}],
                     "networkConfiguration": {"awsvpcConfiguration": {"subnets": [rnd.choice(nets)[0]], "securityGroups": groups}}})  # fmt: skip
    tasks = [{"taskArn": f"arn:aws:ecs:{REGION}:{ACCT}:task/c{i % 20}/t{i}x{k}", "clusterArn": f"arn:aws:ecs:{REGION}:{ACCT}:cluster/c{i % 20}",
              "taskDefinitionArn": tds[i]["taskDefinitionArn"], "group": f"service:svc{i}", "lastStatus": "RUNNING", "launchType": "FARGATE"}
             for i in range(services) for k in range(2)]  # fmt: skip
    roles = [
        {
            "RoleName": f"role{r}",
            "Arn": f"arn:aws:iam::{ACCT}:role/role{r}",
            "RolePolicyList": [],
            "AttachedPolicies": [],
        }
        for r in range(300)
    ]
    return {"ecsguard_snapshot": 1, "account_id": ACCT, "regions": {REGION: {
        "ecs": {"clusters": [{"clusterArn": f"arn:aws:ecs:{REGION}:{ACCT}:cluster/c{c}", "clusterName": f"c{c}"} for c in range(20)],
                "services": svcs, "taskDefinitions": tds, "tasks": tasks},
        "ec2": {"vpcs": vpcs, "subnets": [{"SubnetId": s, "VpcId": v, "CidrBlock": c} for s, v, c in subnets], "securityGroups": sgs},
        "iam": {"roles": roles}}}}  # fmt: skip


def inventory(doc: dict[str, Any]) -> Inventory:
    builder = InventoryBuilder()
    load_snapshot(doc, "bench.json", builder)
    return builder.build()


def run(services: int) -> tuple[float, float, float, dict[str, Any]]:
    """Load seconds, scope wall seconds, scope CPU seconds (CPU time is what contention on a
    shared machine distorts least), and the report."""
    doc = estate(services)
    t0 = time.perf_counter()
    inv = inventory(doc)
    t1, c1 = time.perf_counter(), time.process_time()
    report = compute_scope(inv)
    t2, c2 = time.perf_counter(), time.process_time()
    return t1 - t0, t2 - t1, c2 - c1, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    base = int(5000 * args.scale)
    results = []
    for n in (base, base * 2):
        load, took, cpu, report = run(n)
        rules = sum(
            len(sg["IpPermissions"]) + len(sg["IpPermissionsEgress"])
            for sg in estate(n)["regions"][REGION]["ec2"]["securityGroups"]
        )
        reach = sum(1 for e in report["edges"] if e["type"] == "can_reach")
        print(f"services={n} security_groups={int(n / 2.5)} rules={rules} load={load:.2f}s scope={took:.2f}s (cpu {cpu:.2f}s) "
              f"components={len(report['components'])} can_reach_edges={reach} summary={report['summary']}")  # fmt: skip
        results.append(cpu)
    print(f"ratio of scope CPU time (2x estate / 1x estate) = {results[1] / results[0]:.2f}")


if __name__ == "__main__":
    main()
