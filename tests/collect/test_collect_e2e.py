"""End to end: the sample estate built through boto3 in moto, ``ecsguard collect`` run as a
subprocess, and the snapshot compared field by field with what was created.

moto drops some service and task fields (ECOSYSTEM.md §1.4: deploymentConfiguration,
enableExecuteCommand, capacityProviderStrategy, task cpu/memory...), so these tests assert the
fields moto keeps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from collect_testlib import Run, by, check_generation, run_collect, services_of, tag_map

from ecsguard.cli import main
from ecsguard.collect.aws import SECTION_KEYS, CollectOptions, _assemble, collect
from ecsguard.collect.aws_permissions import OPERATIONS, actions
from ecsguard.sample.estate import Estate, apply_generation
from ecsguard.sample.estate_base import FAKE_SECRET, SECURITY_GROUPS
from ecsguard.sample.estate_data import REPOSITORIES
from ecsguard.sample.estate_ecs import container
from ecsguard.sample.estate_spec import CLUSTERS, SERVICES
from ecsguard.testing import client


@pytest.fixture(scope="module")
def run(estate: Estate, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_collect(estate.url, tmp_path_factory.mktemp("collect"))


def test_complete_run_exits_zero_and_has_every_section(run: Run) -> None:
    assert run.code == 0, run.stderr
    assert run.snapshot["errors"] == []
    assert "partial" not in run.stderr
    assert run.stderr.startswith("collected ")  # no progress bar when stderr is not a TTY
    assert run.snapshot["ecsguard_snapshot"] == 1
    assert run.snapshot["account_id"] == "123456789012"
    assert run.snapshot["partition"] == "aws"
    assert run.snapshot["collected_at"].endswith("Z")
    for service, keys in SECTION_KEYS.items():
        assert set(keys) <= set(run.region[service]), service


def test_no_secret_value_is_collected(run: Run) -> None:
    text = json.dumps(run.snapshot)
    assert FAKE_SECRET not in text
    for secret in run.region["secretsmanager"]["secrets"]:
        assert "SecretString" not in secret
    for parameter in run.region["ssm"]["parameters"]:
        assert "Value" not in parameter


def test_clusters(run: Run, estate: Estate) -> None:
    clusters = by(run.region["ecs"]["clusters"], "clusterName")
    assert set(clusters) == set(CLUSTERS)
    for name, spec in CLUSTERS.items():
        assert clusters[name]["clusterArn"] == estate.ids[f"cluster:{name}"]
        assert clusters[name]["settings"] == spec["settings"]
        assert tag_map(clusters[name]["tags"]) == tag_map(spec["tags"])
    execute = clusters["payments"]["configuration"]["executeCommandConfiguration"]
    assert execute["kmsKeyId"] == estate.ids["kms:payments"]
    assert execute["logConfiguration"]["cloudWatchLogGroupName"] == "/ecs/exec-audit"
    assert clusters["storefront"]["capacityProviders"] == ["storefront-asg", "FARGATE"]


def test_services_keep_network_balancers_registries_and_tags(run: Run, estate: Estate) -> None:
    services = by(run.region["ecs"]["services"], "serviceName")
    assert set(services) == set(SERVICES)
    for name, spec in SERVICES.items():
        got = services[name]
        assert got["serviceArn"] == estate.ids[f"svc:{name}"]
        assert got["clusterArn"] == estate.ids[f"cluster:{spec.cluster}"]
        assert got["launchType"] == spec.launch
        assert got["desiredCount"] == spec.desired
        assert got["taskDefinition"] == estate.ids[f"td:{name}"]
        assert tag_map(got["tags"]) == spec.tags
        if spec.network == "awsvpc":
            vpc = got["networkConfiguration"]["awsvpcConfiguration"]
            assert vpc["subnets"] == [estate.ids[f"subnet:{s}"] for s in spec.subnets]
            assert vpc["securityGroups"] == [estate.ids[f"sg:{g}"] for g in spec.sgs]
            assert vpc["assignPublicIp"] == ("ENABLED" if spec.public_ip else "DISABLED")
        else:
            assert "networkConfiguration" not in got or not got["networkConfiguration"]
        balancers = [lb["targetGroupArn"] for lb in got.get("loadBalancers", [])]
        assert balancers == ([estate.ids[f"tg:{spec.target_group}"]] if spec.target_group else [])
        registries = [r["registryArn"] for r in got.get("serviceRegistries", [])]
        assert registries == ([estate.ids[f"sd:{spec.registry}"]] if spec.registry else [])


def test_task_definitions_round_trip_exactly(run: Run, estate: Estate) -> None:
    definitions = by(run.region["ecs"]["taskDefinitions"], "taskDefinitionArn")
    for name, spec in SERVICES.items():
        got = definitions[estate.ids[f"td:{name}"]]
        sent = container(estate, name, spec)
        main = got["containerDefinitions"][0]
        for key, value in sent.items():
            assert main[key] == value, f"{name}.{key}"
        assert got["networkMode"] == spec.network
        assert got["taskRoleArn"] == estate.ids[f"role:{spec.task_role}"]
        assert tag_map(got["tags"]) == spec.tags  # the response's tags, merged into the item
        assert len(got["volumes"]) == len(spec.volumes)
    card_batch = definitions[estate.ids["td:card-batch"]]["volumes"][0]["efsVolumeConfiguration"]
    assert card_batch["fileSystemId"] == estate.ids["efs:payments-files"]
    assert card_batch["authorizationConfig"]["accessPointId"] == estate.ids["fsap:settlement"]


def test_tasks_and_container_instances_show_placement(run: Run, estate: Estate) -> None:
    tasks = run.region["ecs"]["tasks"]
    assert all(t["lastStatus"] == "RUNNING" for t in tasks)
    started = {k.split(":")[1] for k in estate.ids if k.startswith("task:")}
    assert {t["group"].removeprefix("service:") for t in tasks} == started
    instances = by(run.region["ecs"]["containerInstances"], "containerInstanceArn")
    assert {i["ec2InstanceId"] for i in instances.values()} == {
        estate.ids[f"i:{c}"] for c in CLUSTERS
    }
    host = estate.ids["ci:payments"]
    co_tenants = {t["group"] for t in tasks if t.get("containerInstanceArn") == host}
    assert co_tenants == {"service:card-batch", "service:receipt-mailer"}
    for task in tasks:
        spec = SERVICES[task["group"].removeprefix("service:")]
        assert task["taskDefinitionArn"] == estate.ids[f"td:{task['group'][8:]}"]
        if spec.network == "awsvpc":
            details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
            assert details["subnetId"] in {estate.ids[f"subnet:{s}"] for s in spec.subnets}
    providers = run.region["ecs"]["capacityProviders"]
    assert [p["name"] for p in providers] == ["storefront-asg"]
    assert providers[0]["autoScalingGroupProvider"]["managedTerminationProtection"] == "DISABLED"
    settings = {s["name"]: s["value"] for s in run.region["ecs"]["accountSettings"]}
    assert settings["containerInsights"] == "enhanced"


def _sg_peers(group: dict[str, Any]) -> set[tuple[str, int, str]]:
    peers = set()
    for perm in group["IpPermissions"]:
        port = perm.get("FromPort", -1)
        for pair in perm.get("UserIdGroupPairs", []):
            peers.add((perm["IpProtocol"], port, pair["GroupId"]))
        for cidr in perm.get("IpRanges", []):
            peers.add((perm["IpProtocol"], port, cidr["CidrIp"]))
        for pl in perm.get("PrefixListIds", []):
            peers.add((perm["IpProtocol"], port, pl["PrefixListId"]))
    return peers


def test_security_groups_rules_and_prefix_lists(run: Run, estate: Estate) -> None:
    ec2 = run.region["ec2"]
    groups = by(ec2["securityGroups"], "GroupId")
    ids = estate.ids
    for name, (_, rules) in SECURITY_GROUPS.items():
        expected = set()
        for proto, low, _high, peer in rules:
            target = ids[f"sg:{name}"] if peer == "self" else ids.get(peer, peer)
            expected.add((proto, low, target))
        assert _sg_peers(groups[ids[f"sg:{name}"]]) == expected, name
    rules_by_group: dict[str, int] = {}
    for rule in ec2["securityGroupRules"]:
        assert rule["SecurityGroupRuleId"].startswith("sgr-")
        if not rule["IsEgress"]:
            rules_by_group[rule["GroupId"]] = rules_by_group.get(rule["GroupId"], 0) + 1
    assert rules_by_group[ids["sg:alb-public"]] == 3
    prefix_lists = by(ec2["managedPrefixLists"], "PrefixListId")
    entries = {e["Cidr"] for e in prefix_lists[ids["pl:corp-office"]]["Entries"]}
    assert entries == {"203.0.113.0/24", "198.51.100.0/25"}
    assert {v["VpcId"] for v in ec2["vpcs"]} >= {ids["vpc:prod"], ids["vpc:shared"]}
    assert ids["subnet:cde-a"] in {s["SubnetId"] for s in ec2["subnets"]}
    assert [p["VpcPeeringConnectionId"] for p in ec2["vpcPeeringConnections"]] == [
        ids["pcx:prod-shared"]
    ]
    assert len(ec2["vpcEndpoints"]) == 2
    instances = by(ec2["instances"], "InstanceId")
    assert instances[ids["i:platform"]]["MetadataOptions"]["HttpTokens"] == "optional"
    assert instances[ids["i:payments"]]["MetadataOptions"]["HttpTokens"] == "required"
    enis = {e["NetworkInterfaceId"] for e in ec2["networkInterfaces"]}
    for task in run.region["ecs"]["tasks"]:
        for attachment in task.get("attachments", []):
            details = {d["name"]: d["value"] for d in attachment["details"]}
            assert details["networkInterfaceId"] in enis


def test_load_balancer_listeners_and_target_groups(run: Run, estate: Estate) -> None:
    elb = run.region["elbv2"]
    (lb,) = elb["loadBalancers"]
    assert lb["LoadBalancerArn"] == estate.ids["lb:public-alb"]
    assert lb["Scheme"] == "internet-facing"
    assert lb["SecurityGroups"] == [estate.ids["sg:alb-public"]]
    attributes = {a["Key"]: a["Value"] for a in lb["Attributes"]}
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert tag_map(lb["Tags"]) == {"team": "edge"}
    listeners = {(x["Port"], x["Protocol"]) for x in elb["listeners"]}
    assert listeners == {(80, "HTTP"), (443, "HTTPS"), (8443, "HTTPS")}
    groups = by(elb["targetGroups"], "TargetGroupName")
    assert groups["payment-api-tg"]["Port"] == 8443
    assert groups["payment-api-tg"]["TargetType"] == "ip"
    assert "TargetHealthDescriptions" in groups["web-tg"]
    assert isinstance(groups["web-tg"]["Attributes"], list)


def test_storage_registries_logs_and_keys(run: Run, estate: Estate) -> None:
    ids = estate.ids
    systems = by(run.region["efs"]["fileSystems"], "FileSystemId")
    assert systems[ids["efs:payments-files"]]["Encrypted"] is True
    assert "aws:SecureTransport" in systems[ids["efs:payments-files"]]["FileSystemPolicy"]
    assert systems[ids["efs:platform-shared"]]["Encrypted"] is False
    assert "FileSystemPolicy" not in systems[ids["efs:platform-shared"]]
    targets = by(run.region["efs"]["mountTargets"], "FileSystemId")
    assert targets[ids["efs:payments-files"]]["SecurityGroups"] == [ids["sg:efs-payments"]]
    points = by(run.region["efs"]["accessPoints"], "AccessPointId")
    assert points[ids["fsap:settlement"]]["PosixUser"]["Uid"] == 10001
    repos = by(run.region["ecr"]["repositories"], "repositoryName")
    for name, (mutability, scan, alias, lifecycle, public) in REPOSITORIES.items():
        repo = repos[name]
        assert repo["imageTagMutability"] == mutability
        assert repo["imageScanningConfiguration"]["scanOnPush"] is scan
        assert repo["encryptionConfiguration"]["encryptionType"] == ("KMS" if alias else "AES256")
        assert ("lifecyclePolicyText" in repo) is lifecycle
        assert ("policyText" in repo) is public
        assert tag_map(repo["tags"]) == {"team": name.split("/")[0]}
    groups = by(run.region["logs"]["logGroups"], "logGroupName")
    assert groups["/ecs/payments/payment-api"]["retentionInDays"] == 365
    assert groups["/ecs/payments/payment-api"]["kmsKeyId"] == ids["kms:payments"]
    assert "retentionInDays" not in groups["/ecs/payments/card-batch"]
    assert groups["/ecs/storefront/web"]["tags"] == {"cluster": "storefront"}
    keys = {k["Arn"]: k for k in run.region["kms"]["keys"]}
    for alias, rotated in (("payments", True), ("platform-logs", False)):
        key = keys[ids[f"kms:{alias}"]]
        assert key["KeyRotationEnabled"] is rotated
        assert key["Aliases"] == [f"alias/{alias}"]
        assert tag_map(key["Tags"]) == {"team": alias}
        assert "Statement" in json.loads(key["Policy"])


def test_identity_discovery_and_data_stores(run: Run, estate: Estate) -> None:
    roles = by(run.region["iam"]["roles"], "RoleName")
    shared = roles["app-task-role"]
    assert shared["RolePolicyList"][0]["PolicyName"] == "app"
    ci = roles["ci-runner-role"]["AttachedPolicies"]
    assert ci[0]["PolicyArn"] == "arn:aws:iam::aws:policy/AdministratorAccess"
    assert ci[0]["PolicyDocument"]["Statement"][0]["Action"] == "*"
    execution = roles["ecsTaskExecutionRole"]["AttachedPolicies"][0]["PolicyDocument"]
    assert "ecr:GetAuthorizationToken" in json.dumps(execution)
    sd = run.region["servicediscovery"]
    assert [n["Name"] for n in sd["namespaces"]] == ["internal.local"]
    assert {s["Arn"] for s in sd["services"]} == {
        v for k, v in estate.ids.items() if k.startswith("sd:")
    }
    secrets = by(run.region["secretsmanager"]["secrets"], "Name")
    assert secrets["payments/db-password"]["KmsKeyId"] == estate.ids["kms:payments"]
    parameters = by(run.region["ssm"]["parameters"], "Name")
    assert parameters["/storefront/search/api-key"]["Type"] == "String"
    assert parameters["/payments/api/hsm-pin"]["Type"] == "SecureString"
    databases = by(run.region["rds"]["dbInstances"], "DBInstanceIdentifier")
    assert tag_map(databases["cards-db"]["TagList"])["pci:chd"] == "store"
    assert databases["cards-db"]["StorageEncrypted"] is True
    assert databases["catalog-db"]["StorageEncrypted"] is False
    queues = {q["QueueUrl"].rsplit("/", 1)[-1]: q for q in run.region["sqs"]["queues"]}
    assert queues["payment-events"]["Tags"]["data-classification"] == "tokens"
    assert queues["payment-events"]["Attributes"]["KmsMasterKeyId"] == estate.ids["kms:payments"]
    buckets = by(run.region["s3"]["buckets"], "Name")
    assert tag_map(buckets["audit-logs"]["Tags"])["data-classification"] == "internal"
    assert buckets["audit-logs"]["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    assert "PublicAccessBlockConfiguration" not in buckets["storefront-assets"]
    assert buckets["storefront-assets"]["PolicyStatus"]["IsPublic"] is True
    algorithm = buckets["card-settlement-exports"]["ServerSideEncryptionConfiguration"]
    assert algorithm["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"


def test_default_revision_policy_versus_all_revisions(
    run: Run, estate: Estate, tmp_path: Path
) -> None:
    default = run.region["ecs"]["taskDefinitions"]
    revisions = {(t["family"], t["revision"]) for t in default}
    assert ("payment-api", 2) in revisions
    assert ("payment-api", 1) not in revisions  # older ACTIVE revision, referenced by nothing
    assert not any(family == "legacy-importer" for family, _ in revisions)
    assert run.snapshot["revision_policy"] == "latest+referenced"
    full = run_collect(estate.url, tmp_path, "--all-revisions", "-o", "-")  # to stdout
    items = full.region["ecs"]["taskDefinitions"]
    every = {(t["family"], t["revision"]): t["status"] for t in items}
    assert every[("payment-api", 1)] == "ACTIVE"
    assert every[("legacy-importer", 1)] == every[("legacy-importer", 2)] == "INACTIVE"
    assert len(items) == len(every)  # each revision once
    assert full.snapshot["revision_policy"] == "all"


def test_regions_list_and_s3_filed_under_bucket_region(estate: Estate, tmp_path: Path) -> None:
    estate.c("s3").create_bucket(
        Bucket="eu-archive", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    try:
        both = run_collect(estate.url, tmp_path, "--regions", "us-east-1,eu-west-1")
        assert both.code == 0, both.stderr
        assert list(both.snapshot["regions"]) == ["us-east-1", "eu-west-1"]
        eu = both.snapshot["regions"]["eu-west-1"]
        assert [b["Name"] for b in eu["s3"]["buckets"]] == ["eu-archive"]
        assert eu["ecs"]["clusters"] == []
        assert eu["iam"]["roles"] == []  # IAM is global: filed once, under us-east-1
        assert both.region["iam"]["roles"]
    finally:
        estate.c("s3").delete_bucket(Bucket="eu-archive")


def test_all_regions_fans_out_to_every_enabled_region(estate: Estate, tmp_path: Path) -> None:
    """``--regions all`` asks DescribeRegions, then runs every service in every region. The
    calls after discovery are denied by the fault hook, so each region's jobs end after one
    call each instead of loading moto's 38 regional backends (which takes a minute here)."""
    denied = ";".join(
        f"{service}:{op}=AccessDenied"
        for service, ops in OPERATIONS.items()
        for op in ops
        if service != "sts" and op != "DescribeRegions"
    )
    every = run_collect(estate.url, tmp_path, "--regions", "all", "--workers", "16", faults=denied)
    assert every.code == 3
    regions = every.snapshot["regions"]
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= set(regions)
    assert len(regions) > 15
    reached = {(e["region"], e["service"]) for e in every.snapshot["errors"]}
    regional = set(SECTION_KEYS) - {"iam", "s3"}
    assert reached >= {(region, service) for region in regions for service in regional}
    assert {
        (e["region"], e["service"])
        for e in every.snapshot["errors"]
        if e["service"] in ("iam", "s3")
    } == {
        ("us-east-1", "iam"),
        ("us-east-1", "s3"),
    }
    assert all("AccessDenied" in e["message"] for e in every.snapshot["errors"])


def test_bucket_of_a_region_not_collected_stays_at_home() -> None:
    bucket = {"Name": "eu-archive", "BucketRegion": "eu-west-1"}
    results = {("us-east-1", "s3"): {"buckets": [bucket]}}
    regions = _assemble(["us-east-1"], "us-east-1", results)
    assert regions["us-east-1"]["s3"]["buckets"] == [bucket]
    assert regions["us-east-1"]["ecs"]["clusters"] == []  # unread sections are present, empty


def test_every_call_is_a_documented_permission(estate: Estate) -> None:
    events: Any = client(estate.url, "events")  # a scheduled task, so its targets are read
    events.put_rule(Name="nightly", ScheduleExpression="rate(1 day)")
    target = {"Id": "t", "Arn": estate.ids["cluster:platform"], "RoleArn": "arn:aws:iam::1:role/r"}
    target["EcsParameters"] = {"TaskDefinitionArn": estate.ids["td:payment-api"]}
    events.put_targets(Rule="nightly", Targets=[target])
    guardduty: Any = client(estate.url, "guardduty")  # a detector, so it is read
    guardduty.create_detector(Enable=True)
    calls: set[tuple[str, str]] = set()
    options = CollectOptions(
        regions=("us-east-1",), endpoint_url=estate.url, on_call=lambda s, op: calls.add((s, op))
    )
    snapshot = collect(options)
    assert snapshot["errors"] == []
    declared = {(s, op) for s, ops in OPERATIONS.items() for op in ops}
    assert calls <= declared
    # the rest only happen elsewhere: region discovery, buckets listed without their region
    assert declared - calls <= {("ec2", "DescribeRegions"), ("s3", "GetBucketLocation")}
    assert not any(op in ("GetSecretValue", "GetParameter", "GetParameters") for _, op in calls)


def test_print_policy_lists_the_actions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["collect", "--print-policy"]) == 0  # the console script exits with this
    policy = json.loads(capsys.readouterr().out)
    assert policy["Statement"][0]["Action"] == actions()
    assert "s3:ListAllMyBuckets" in actions() and "elasticloadbalancing:DescribeTags" in actions()


def test_generations_change_the_estate_as_documented(
    run: Run, estate: Estate, tmp_path: Path
) -> None:
    """Runs last in this module: it moves the shared estate through generations 1-3."""
    check_generation(run.region, 0)
    for generation in (1, 2, 3):
        apply_generation(estate, generation)
        run = run_collect(estate.url, tmp_path)
        assert run.code == 0, run.stderr
        check_generation(run.region, generation)


def test_db_records_the_collection_as_a_run(estate: Estate, moto_url: str, tmp_path: Path) -> None:
    from ecsguard.store import open_store

    db = tmp_path / "history.db"
    done = run_collect(moto_url, tmp_path, "--db", str(db))
    assert done.code == 0, done.stderr
    assert "recorded as run 1" in done.stderr
    with open_store(str(db)) as store:
        (run,) = store.runs()
        assert run.kind == "collect"
        inv = store.inventory_at(run.id)
    names = {s.service_name for s in inv.services}
    assert names == {s["serviceName"] for s in services_of(done.region).values()}
