"""Side by side, one run: ecsguard vs Checkov (CloudFormation + Terraform plan) and vs Prowler
(the same estate live in a moto server). Prints wall times, ratios and verdict agreement.

    .venv/bin/python bench/posture/bench_tools.py \
        --checkov /work/.bench-venvs/checkov/bin/checkov \
        --prowler /work/.bench-venvs/prowler/bin/prowler [--n 2000] \
        [--forms cloudformation,terraform] [--repeat 3]

Against Checkov each input is timed in two like-for-like output modes: failures only (Checkov
``--quiet``, ecsguard ``--quiet``) and every result (neither flag). Checkov and Prowler live in their own virtualenvs outside the repo. Agreement: every ECS
FAIL the other tool reports must be an ecsguard ``fail`` of a check whose ``references`` name
that tool's id, on the same resource; what is not is listed with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import estate

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
CREDS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def timed(
    cmd: list[str], env: dict[str, str] | None = None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    return time.perf_counter() - start, proc


def ecsguard_fails(path: Path, tool: str) -> dict[tuple[str, str], str]:
    """(tool id, resource id) -> ecsguard check id, for every failing ecsguard finding."""
    doc = json.loads(path.read_text())
    out = {}
    for r in doc["results"]:
        if r["status"] == "fail":
            for ref in r.get("references", {}).get(tool, []):
                out[(ref, r["resource"]["id"])] = r["check_id"]
    return out


# ---- Checkov ---------------------------------------------------------------------------------


def checkov_fails(report: str, kind: str) -> list[tuple[str, str]]:
    docs = json.loads(report)
    docs = docs if isinstance(docs, list) else [docs]
    out = []
    for doc in docs:
        for item in doc.get("results", {}).get("failed_checks", []):
            resource = item["resource"]
            if "ECS" not in resource and "ecs" not in resource:
                continue
            if kind == "cloudformation":
                resource = resource.split(".", 1)[1]
            out.append((item["check_id"], resource))
    return out


def run_checkov(
    checkov: str, work: Path, n: int, forms_wanted: tuple[str, ...], repeat: int
) -> list[dict[str, Any]]:
    """Both tools on the same files, in two like-for-like output modes: only failures
    (Checkov ``--quiet``, ecsguard ``--quiet``) and every result (neither flag). Each command
    runs ``repeat`` times, alternating tools; the median wall time counts."""
    tds = estate.task_definitions(n)
    clusters, services = estate.clusters_and_services(max(n // 100, 1))
    cfn = estate.to_cloudformation(tds)
    cfn["Resources"].update(estate.cloudformation_extras(clusters, services))
    plan = estate.to_terraform_plan(tds)
    plan["planned_values"]["root_module"]["resources"] += estate.terraform_extras(
        clusters, services
    )
    forms = {
        "cloudformation": (work / "template.json", cfn, "cloudformation"),
        "terraform": (work / "plan.json", plan, "terraform_plan"),
    }
    rows = []
    for kind, (path, doc, framework) in forms.items():
        if kind not in forms_wanted:
            continue
        path.write_text(json.dumps(doc))
        for mode, flags in (("failures only", ["--quiet"]), ("every result", [])):
            checkov_cmd = [
                checkov,
                "-f",
                str(path),
                "--framework",
                framework,
                "--skip-download",
                "-o",
                "json",
                "--compact",
                *flags,
            ]
            out = work / f"ecsguard-{kind}-{len(flags)}.json"
            ours_cmd = [PY, "-m", "ecsguard", "scan", str(path), "--format", "json"]
            ours_cmd += [*flags, "-o", str(out)]
            t_cks, t_egs = [], []
            for _ in range(repeat):
                t_ck, proc = timed(checkov_cmd)
                t_eg, eg = timed(ours_cmd)
                if eg.returncode not in (0, 1):
                    raise SystemExit(f"ecsguard failed: {eg.stderr}")
                t_cks.append(t_ck)
                t_egs.append(t_eg)
            theirs = checkov_fails(proc.stdout, kind)
            ours = ecsguard_fails(out, "checkov")
            missed = [f for f in theirs if f not in ours]
            only_ours = Counter(k[0] for k in ours if k not in set(theirs))
            rows.append(
                {
                    "input": f"{kind} ({n} task definitions), {mode}",
                    "other": "Checkov",
                    "t_other": statistics.median(t_cks),
                    "t_ours": statistics.median(t_egs),
                    "their_fails": len(theirs),
                    "matched": len(theirs) - len(missed),
                    "missed": missed,
                    "extra": dict(only_ours),
                    "out_bytes": (len(proc.stdout), out.stat().st_size),
                }
            )
    return rows


# ---- Prowler ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str, n: int) -> None:
    import boto3

    ecs = boto3.client(
        "ecs",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    ec2 = boto3.client(
        "ec2",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]

    def register(td: dict[str, Any]) -> None:
        body = {k: v for k, v in td.items() if k not in ("taskDefinitionArn", "revision", "status")}
        ecs.register_task_definition(**body)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(register, estate.task_definitions(n)))
    clusters, services = estate.clusters_and_services(max(n // 100, 1))
    for c in clusters:
        ecs.create_cluster(
            clusterName=c["name"], settings=[{"name": "containerInsights", "value": c["insights"]}]
        )
    for s in services:
        ecs.create_service(
            cluster=s["cluster"],
            serviceName=s["name"],
            taskDefinition=s["family"],
            desiredCount=0,
            launchType="FARGATE",
            platformVersion=s["platform"],
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": [sub],
                    "securityGroups": [sg],
                    "assignPublicIp": "ENABLED" if s["public"] else "DISABLED",
                }
            },
        )


# Where Prowler's verdict differs from Security Hub's semantics (CONTROLS.md §2).
PROWLER_EXPLAINED = {
    "ecs_task_definitions_host_networking_mode_users": "retired ECS.1: ecsguard runs it only with --legacy",
    "ecs_service_fargate_latest_platform_version": "moto omits platformFamily; Prowler's precedence bug",
}


def prowler_fails(outdir: Path) -> list[tuple[str, str]]:
    out = []
    for path in outdir.glob("*.ocsf.json"):
        for item in json.loads(path.read_text()):
            if item.get("status_code") == "FAIL":
                out.append((item["metadata"]["event_code"], item["resources"][0]["uid"]))
    return out


def run_prowler(prowler: str, work: Path, n: int) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        seed(url, n)
        env = {**os.environ, **CREDS, "AWS_ENDPOINT_URL": url}
        snap = work / "live.json"
        out = work / "ecsguard-live.json"
        t_collect, c = timed(
            [
                PY,
                "-m",
                "ecsguard",
                "collect",
                "--regions",
                "us-east-1",
                "--endpoint-url",
                url,
                "-o",
                str(snap),
            ],
            env,
        )
        t_scan, s = timed(
            [
                PY,
                "-m",
                "ecsguard",
                "scan",
                str(snap),
                "--legacy",
                "--format",
                "json",
                "-o",
                str(out),
            ],
            env,
        )
        if s.returncode not in (0, 1):
            raise SystemExit(f"ecsguard failed: {c.stderr} {s.stderr}")
        pdir = work / "prowler"
        t_pw, p = timed(
            [
                prowler,
                "aws",
                "--service",
                "ecs",
                "-f",
                "us-east-1",
                "--output-formats",
                "json-ocsf",
                "-o",
                str(pdir),
                "--no-banner",
                "--aws-retries-max-attempts",
                "0",
                "--log-level",
                "ERROR",
            ],
            env,
        )
        theirs = prowler_fails(pdir)
        ours = ecsguard_fails(out, "prowler")
        missed = [f for f in theirs if f not in ours]
        reasons = Counter(
            PROWLER_EXPLAINED.get(check, "UNEXPLAINED " + check) for check, _ in missed
        )
        return {
            "input": f"live moto ({n} task definitions)",
            "other": "Prowler",
            "t_other": t_pw,
            "t_ours": t_collect + t_scan,
            "their_fails": len(theirs),
            "matched": len(theirs) - len(missed),
            "missed": missed,
            "explained": dict(reasons),
            "prowler_rc": p.returncode,
            "t_collect": t_collect,
            "t_scan": t_scan,
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkov")
    parser.add_argument("--prowler")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument(
        "--forms",
        default="cloudformation,terraform",
        help="Checkov inputs to compare (comma list of cloudformation, terraform)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per command (median)")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.checkov:
            forms = tuple(f.strip() for f in args.forms.split(",") if f.strip())
            rows += run_checkov(args.checkov, work, args.n, forms, args.repeat)
        if args.prowler:
            rows.append(run_prowler(args.prowler, work, args.n))
    print(
        "| input | other tool | other (s) | ecsguard (s) | speed-up | other's ECS FAILs | also failed by ecsguard |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['input']} | {r['other']} | {r['t_other']:.2f} | {r['t_ours']:.2f} | "
            f"{r['t_other'] / r['t_ours']:.1f}x | {r['their_fails']} | {r['matched']} |"
        )
    for r in rows:
        if "out_bytes" in r:
            theirs, ours = r["out_bytes"]
            print(f"{r['input']}: output Checkov {theirs:,} bytes, ecsguard {ours:,} bytes")
    for r in rows:
        if r.get("extra"):
            print(f"{r['input']}: ecsguard-only fails by Checkov id: {r['extra']}")
        if r["missed"]:
            print(
                f"{r['input']}: {len(r['missed'])} {r['other']} FAILs not failed by ecsguard, e.g. {r['missed'][:3]}"
            )
        if r.get("explained"):
            print(f"{r['input']}: reasons: {r['explained']}")
        if "t_collect" in r:
            print(
                f"{r['input']}: ecsguard collect {r['t_collect']:.1f} s + scan {r['t_scan']:.1f} s"
            )


if __name__ == "__main__":
    main()
