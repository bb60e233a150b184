"""Each classification rule (PCI_SCOPING §2.6) on hand-built estates."""

from __future__ import annotations

from scope_estate import ALL_OUT, Estate, arn, perm
from scope_helpers import scope
from scope_payment import VPC, payment_estate

from ecsguard.scope.declare import Declaration, Flow
from ecsguard.scope.policy import ScopePolicy


def test_baseline_payment_estate_matches_an_assessor() -> None:
    s = scope(payment_estate())
    assert s.cat("payment-api") == "cde" and s.codes("payment-api")[0] == "C1:declared-chd"
    assert s.cat("tokenizer") == "cde"
    assert s.cat("cards-db", "data_store") == "cde"
    assert (
        s.cat("pay-alb", "load_balancer") == "cde"
        and s.codes("pay-alb", "load_balancer")[0] == "C2:forwards-to-cde"
    )
    assert s.cat("checkout") == "connected-to"
    reason = s.comp("checkout")["reasons"][0]
    assert (
        reason["path"][-1].endswith("service/payments/payment-api")
        and "sg-payapi" in reason["evidence"][0]
    )
    assert s.cat("catalog") == "out-of-scope" and s.cat("reports") == "out-of-scope"
    assert s.cat("payments", "cluster") == "security-impacting"
    assert s.cat("/ecs/payments", "log_group") == "security-impacting"
    assert s.cat("/ecs/storefront", "log_group") == "out-of-scope"
    assert s.cat("payments/db", "secret") == "security-impacting"
    assert s.cat("payment-task", "role") == "security-impacting"
    assert s.cat("sg-checkout", "security_group") == "security-impacting"
    assert s.cat("payment-api:1", "task_definition") == "cde"
    assert s.comp("pay-alb", "load_balancer")["flags"] == ["public-entry"]


def test_cluster_tag_declares_untagged_services() -> None:
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["ecs"]["clusters"][0]["tags"] = [
        {"key": "pci:chd", "value": "process"}
    ]
    svc = e.doc["regions"]["us-east-1"]["ecs"]["services"][1]
    svc["tags"] = []
    s = scope(e)
    assert s.comp("tokenizer")["declaration"]["source"] == "tag:cluster"
    assert s.cat("tokenizer") == "cde"


def test_scope_yaml_overrides_tags_and_reports_the_disagreement() -> None:
    over = {"catalog": Declaration(source="scope.yaml", chd=("process",))}
    s = scope(payment_estate(), overrides=over)
    assert s.cat("catalog") == "cde"
    over = {
        "checkout": Declaration(source="scope.yaml", chd=("none",), justification="tokens only")
    }
    s = scope(payment_estate(), overrides=over)
    assert s.cat("checkout") == "connected-to"  # an override cannot remove a network path


def test_card_flow_makes_untagged_endpoint_cde_and_tagged_none_inconsistent() -> None:
    flows = [Flow(id="F1", src="reports", dst="cards-db", elements=("PAN", "expiry"), port=5432)]
    s = scope(payment_estate(), flows=flows)
    assert s.cat("reports") == "cde" and "C1:chd-flow" in s.codes("reports")
    assert [e["component"] for e in s.events("DECLARATION_INCONSISTENT")] == [
        s.comp("reports")["id"]
    ]
    blocked = s.events("DECLARED_FLOW_BLOCKED")
    assert blocked and blocked[0]["flow"] == "F1"  # sg-cardsdb does not admit reports


def test_token_flow_with_cde_is_connected_not_cde() -> None:
    flows = [
        Flow(id="F2", src="catalog", dst="payment-api", elements=("token", "amount"), port=8443)
    ]
    s = scope(payment_estate(), flows=flows)
    assert s.cat("catalog") == "connected-to" and "S1b:flow-with-cde" in s.codes("catalog")
    assert s.events("DECLARED_FLOW_BLOCKED")  # catalog cannot reach payment-api on 8443
    undeclared = s.events("UNDECLARED_FLOW")
    assert any(e["component"].endswith("/checkout") for e in undeclared)


def test_declared_flows_cover_paths_through_the_load_balancer() -> None:
    flows = [
        Flow(id="F1", src="external:customer", dst="payment-api", elements=("PAN",), port=443),
        Flow(id="F2", src="checkout", dst="payment-api", elements=("PAN",), port=8443),
        Flow(id="F3", src="payment-api", dst="tokenizer", elements=("PAN",), port=8080),
        Flow(id="F4", src="payment-api", dst="cards-db", elements=("PAN",), port=5432),
        Flow(id="F5", src="tokenizer", dst="cards-db", elements=("token",), port=5432),
    ]
    s = scope(payment_estate(), flows=flows)
    assert s.events("DECLARED_FLOW_BLOCKED") == []
    assert s.events("UNDECLARED_FLOW") == []
    assert s.cat("checkout") == "cde"  # an endpoint of a PAN flow
    assert s.cat("customer", "external") == "out-of-scope"


def test_shared_alb_non_cde_target_is_connected() -> None:
    e = payment_estate()
    tg = e.doc["regions"]["us-east-1"]["elbv2"]["targetGroups"][0]["TargetGroupArn"]
    e.doc["regions"]["us-east-1"]["ecs"]["services"][3]["loadBalancers"] = [
        {"targetGroupArn": tg, "containerPort": 8080}
    ]
    s = scope(e)
    assert s.cat("catalog") == "connected-to" and "S1:shared-lb-target" in s.codes("catalog")


def test_zero_egress_alone_is_no_path_and_ingress_without_egress_is_no_path() -> None:
    e = payment_estate()
    # reports egresses everywhere, but nothing in the CDE admits it: still out of scope
    s = scope(e)
    assert s.cat("reports") == "out-of-scope"
    # payment-api admits reports on 9000 but reports' group has no egress at all
    e.doc["regions"]["us-east-1"]["ec2"]["securityGroups"][6]["IpPermissionsEgress"] = []
    e.doc["regions"]["us-east-1"]["ec2"]["securityGroups"][1]["IpPermissions"].append(
        perm("tcp", 9000, sgs=["sg-reports"])
    )
    s = scope(e)
    assert s.cat("reports") == "out-of-scope"


def test_public_entry_is_not_a_connection_unless_the_policy_says_so() -> None:
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["ec2"]["securityGroups"][1]["IpPermissions"].append(
        perm("tcp", 8443, cidrs=["0.0.0.0/0"])
    )
    s = scope(e)
    assert s.cat("catalog") == "out-of-scope"
    assert "public-entry" in s.comp("payment-api")["flags"]
    s = scope(e, policy=ScopePolicy(public_entry_counts_as_connection=True))
    assert s.cat("catalog") == "connected-to"


def test_vpc_cidr_ingress_on_cde_pulls_in_every_eni_of_the_vpc() -> None:
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["ec2"]["securityGroups"][2]["IpPermissions"].append(
        perm("tcp", 8080, cidrs=["10.0.0.0/16"])
    )
    s = scope(e)
    assert s.cat("catalog") == "connected-to" and s.cat("reports") == "connected-to"


def test_transitive_second_hop_is_attention_not_scope() -> None:
    e = payment_estate()
    # reports can reach checkout (connected-to) on 8080, but checkout does not forward
    e.doc["regions"]["us-east-1"]["ec2"]["securityGroups"][4]["IpPermissions"].append(
        perm("tcp", 8080, sgs=["sg-reports"])
    )
    s = scope(e)
    assert s.cat("reports") == "out-of-scope"
    assert "A1:second-hop" in s.codes("reports") and "attention" in s.comp("reports")["flags"]
    # the same hop through a declared forwarder is a connection
    e.doc["regions"]["us-east-1"]["ecs"]["services"][2]["tags"].append(
        {"key": "pci:forwards", "value": "true"}
    )
    s = scope(e)
    assert s.cat("reports") == "connected-to" and "S1:via-forwarder" in s.codes("reports")


def test_default_security_group_self_reference_is_unrestricted() -> None:
    e = payment_estate()
    e.sg("sg-default", VPC, [perm("-1", sgs=["sg-default"])], [ALL_OUT], name="default")
    svcs = e.doc["regions"]["us-east-1"]["ecs"]["services"]
    svcs[1]["networkConfiguration"]["awsvpcConfiguration"][
        "securityGroups"
    ] = []  # tokenizer: VPC default group
    svcs[3]["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"] = [
        "sg-catalog",
        "sg-default",
    ]
    s = scope(e)
    assert "default-security-group" in s.comp("tokenizer")["flags"]
    assert s.cat("catalog") == "cde" and "C4:unrestricted-connectivity" in s.codes("catalog")


def _ec2_estate(cde_mode: str = "bridge", other_mode: str = "bridge") -> Estate:
    e = payment_estate()
    e.sg("sg-host", VPC, [], [ALL_OUT])
    e.cluster("shared")
    host = e.host("shared", "i-0host", "subnet-app", VPC, "10.0.2.10", ["sg-host"])
    cde_td = e.task_def("legacy-pay", mode=cde_mode, fargate=False, role="legacy-role")
    oth_td = e.task_def("batch", mode=other_mode, fargate=False, role="batch-role")
    e.role("legacy-role")
    e.role("batch-role")
    e.service("legacy-pay", "shared", cde_td, launch="EC2", tags={"pci:chd": "process"},
              **({"subnets": ["subnet-app"], "sgs": ["sg-host"]} if cde_mode == "awsvpc" else {}))  # fmt: skip
    e.service("batch", "shared", oth_td, launch="EC2", tags={"pci:chd": "none"},
              **({"subnets": ["subnet-app"], "sgs": ["sg-reports"]} if other_mode == "awsvpc" else {}))  # fmt: skip
    e.task("shared", "t1", cde_td, group="service:legacy-pay", host=host)
    e.task("shared", "t2", oth_td, group="service:batch", host=host)
    return e


def test_bridge_tasks_share_the_bridge_and_host_becomes_cde() -> None:
    s = scope(_ec2_estate())
    assert (
        s.cat("i-0host", "container_instance") == "cde"
        and s.codes("i-0host", "container_instance")[0] == "C3:runs-cde-task"
    )
    assert s.cat("batch") == "cde" and "C4:shares-bridge" in s.codes("batch")


def test_awsvpc_cotenancy_on_ec2_is_security_impacting_or_cde_by_policy() -> None:
    e = _ec2_estate("awsvpc", "awsvpc")
    s = scope(e)
    assert s.cat("batch") == "security-impacting" and "S2:cotenancy" in s.codes("batch")
    s = scope(e, policy=ScopePolicy(cotenancy="cde"))
    assert s.cat("batch") == "cde" and "C4:cotenancy" in s.codes("batch")


def test_bridge_tasks_inherit_the_host_security_groups() -> None:
    e = payment_estate()
    e.sg("sg-host", VPC, [], [ALL_OUT])
    e.cluster("ops")
    host = e.host("ops", "i-0ops", "subnet-app", VPC, "10.0.2.20", ["sg-host"])
    td = e.task_def("ops-tool", mode="bridge", fargate=False)
    e.service("ops-tool", "ops", td, launch="EC2", tags={"pci:chd": "none"})
    e.task("ops", "t9", td, group="service:ops-tool", host=host)
    s = scope(e)
    assert s.cat("ops-tool") == "out-of-scope"
    e.doc["regions"]["us-east-1"]["ec2"]["securityGroups"][2]["IpPermissions"].append(
        perm("tcp", 8080, sgs=["sg-host"])
    )
    s = scope(e)
    assert (
        s.cat("ops-tool") == "connected-to"
        and s.cat("i-0ops", "container_instance") == "connected-to"
    )


def test_shared_task_role_with_what_it_reaches() -> None:
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["ecs"]["taskDefinitions"][4]["taskRoleArn"] = (
        f"arn:aws:iam::{e.doc['account_id']}:role/payment-task"
    )
    s = scope(e)
    assert s.cat("reports") == "security-impacting"
    reason = next(r for r in s.comp("reports")["reasons"] if r["code"] == "shared-task-role")
    assert reason["rule"] == "S3" and "payments/db" in reason["text"]


def test_role_that_can_read_cde_secret_is_security_impacting() -> None:
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["iam"]["roles"][2]["RolePolicyList"][0]["PolicyDocument"][
        "Statement"
    ].append(
        {
            "Effect": "Allow",
            "Action": "secretsmanager:Get*",
            "Resource": arn("secretsmanager", "secret:payments/*"),
        }
    )
    s = scope(e)
    assert s.cat("catalog") == "security-impacting" and "S3:role-reaches-cde" in s.codes("catalog")


def test_shared_secret_log_group_and_volume() -> None:
    e = payment_estate()
    tds = e.doc["regions"]["us-east-1"]["ecs"]["taskDefinitions"]
    tds[3]["containerDefinitions"][0]["secrets"] = [
        {
            "name": "DB",
            "valueFrom": tds[0]["containerDefinitions"][0]["secrets"][0]["valueFrom"]
            + ":password::",
        }
    ]
    tds[4]["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-group"] = (
        "/ecs/payments"
    )
    s = scope(e)
    assert "S4:shared-secret" in s.codes("catalog") and s.cat("catalog") == "security-impacting"
    assert "S4:shared-log-group" in s.codes("reports")
    e2 = payment_estate()
    e2.doc["regions"]["us-east-1"]["ecs"]["taskDefinitions"][1] = e2.task_def(
        "tokenizer", revision=2, efs=("fs-1", False)
    )
    e2.doc["regions"]["us-east-1"]["ecs"]["services"][1]["taskDefinition"] = arn(
        "ecs", "task-definition/tokenizer:2"
    )
    e2.doc["regions"]["us-east-1"]["ecs"]["services"][1]["deployments"][0]["taskDefinition"] = arn(
        "ecs", "task-definition/tokenizer:2"
    )
    td = e2.task_def("reports", revision=2, efs=("fs-1", True))
    e2.doc["regions"]["us-east-1"]["ecs"]["services"][4]["taskDefinition"] = td["taskDefinitionArn"]
    s = scope(e2)
    assert "S4:shared-volume" in s.codes("reports")


def test_peering_with_and_without_routes() -> None:
    e = payment_estate()
    e.vpc("vpc-corp", "172.16.0.0/16")
    e.subnet("subnet-corp", "vpc-corp", "172.16.1.0/24")
    e.sg("sg-corp", "vpc-corp", [], [ALL_OUT])
    e.cluster("corp")
    e.service(
        "corp-app",
        "corp",
        e.task_def("corp-app"),
        subnets=["subnet-corp"],
        sgs=["sg-corp"],
        tags={"pci:chd": "none"},
    )
    e.doc["regions"]["us-east-1"]["ec2"]["securityGroups"][2]["IpPermissions"].append(
        perm("tcp", 8080, cidrs=["172.16.1.0/24"])
    )
    s = scope(e)
    assert s.cat("corp-app") == "out-of-scope"  # no peering: no route
    ec2 = e.doc["regions"]["us-east-1"]["ec2"]
    ec2["vpcPeeringConnections"] = [{"VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
                                     "AccepterVpcInfo": {"VpcId": VPC}, "RequesterVpcInfo": {"VpcId": "vpc-corp"}}]  # fmt: skip
    ec2["routeTables"] = [
        {"RouteTableId": "rtb-pay", "VpcId": VPC, "Associations": [{"Main": True}], "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}]},
        {"RouteTableId": "rtb-corp", "VpcId": "vpc-corp", "Associations": [{"Main": True}],
         "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "VpcPeeringConnectionId": "pcx-1"}]},
    ]  # fmt: skip
    s = scope(e)
    assert s.cat("corp-app") == "out-of-scope"  # peering, but no route back from the CDE VPC
    ec2["routeTables"][0]["Routes"].append(
        {"DestinationCidrBlock": "172.16.0.0/16", "VpcPeeringConnectionId": "pcx-1"}
    )
    s = scope(e)
    assert s.cat("corp-app") == "connected-to"
    assert "pcx-1" in s.comp("corp-app")["reasons"][0]["evidence"]


def test_prefix_lists_customer_aws_and_missing() -> None:
    e = payment_estate()
    ec2 = e.doc["regions"]["us-east-1"]["ec2"]
    ec2["managedPrefixLists"] = [
        {"PrefixListId": "pl-app", "PrefixListName": "app-subnets", "OwnerId": "111122223333", "Entries": [{"Cidr": "10.0.2.0/24"}]},
        {"PrefixListId": "pl-s3", "PrefixListName": "com.amazonaws.us-east-1.s3", "OwnerId": "AWS", "Entries": [{"Cidr": "10.0.0.0/8"}]},
    ]  # fmt: skip
    ec2["securityGroups"][2]["IpPermissions"].append(perm("tcp", 8080, pls=["pl-s3"]))
    s = scope(e)
    assert s.cat("catalog") == "out-of-scope"
    ec2["securityGroups"][2]["IpPermissions"].append(perm("tcp", 8080, pls=["pl-app"]))
    s = scope(e)
    assert s.cat("catalog") == "connected-to"
    ec2["securityGroups"][2]["IpPermissions"][-1] = perm("tcp", 8080, pls=["pl-gone"])
    s = scope(e)
    assert s.cat("catalog") == "out-of-scope"
    assert any("pl-gone" in u["what"] for u in s.report["unknowns"])
    assert "incomplete" in s.comp("tokenizer")["flags"]


def test_nlb_without_security_groups_is_pass_through() -> None:
    e = payment_estate()
    _lb, tg = e.alb(
        "pay-nlb", VPC, ["subnet-pub"], [], scheme="internal", kind="network", port=8443
    )
    e.doc["regions"]["us-east-1"]["ecs"]["services"][1]["loadBalancers"] = [
        {"targetGroupArn": tg["TargetGroupArn"], "containerPort": 8080}
    ]
    e.doc["regions"]["us-east-1"]["ec2"]["securityGroups"][2]["IpPermissions"].append(
        perm("tcp", 8080, cidrs=["10.0.2.0/24"])
    )
    s = scope(e)
    assert s.cat("pay-nlb", "load_balancer") == "cde"
    assert "nlb-without-security-groups" in s.comp("pay-nlb", "load_balancer")["flags"]
    assert s.cat("catalog") == "connected-to"  # client IPs preserved: the target's group decides


def test_scaled_to_zero_service_is_still_scoped() -> None:
    e = payment_estate()
    svc = e.doc["regions"]["us-east-1"]["ecs"]["services"][2]
    svc["desiredCount"] = svc["runningCount"] = 0
    s = scope(e)
    assert s.cat("checkout") == "connected-to" and "scaled-to-zero" in s.comp("checkout")["flags"]


def test_deployment_in_flight_classifies_both_revisions() -> None:
    e = payment_estate()
    old = e.doc["regions"]["us-east-1"]["ecs"]["taskDefinitions"][0]
    new = e.task_def("payment-api", revision=2, role="payment-v2")
    e.role("payment-v2")
    svc = e.doc["regions"]["us-east-1"]["ecs"]["services"][0]
    svc["taskDefinition"] = new["taskDefinitionArn"]
    svc["deployments"] = [{"id": "d2", "status": "PRIMARY", "taskDefinition": new["taskDefinitionArn"]},
                          {"id": "d1", "status": "ACTIVE", "taskDefinition": old["taskDefinitionArn"]}]  # fmt: skip
    s = scope(e)
    assert (
        s.cat("payment-api:1", "task_definition") == "cde"
        and s.cat("payment-api:2", "task_definition") == "cde"
    )
    assert (
        s.cat("payment-task", "role") == "security-impacting"
        and s.cat("payment-v2", "role") == "security-impacting"
    )
    assert "deployment-in-flight" in s.comp("payment-api")["flags"]


def test_unlabelled_and_incomplete_are_never_out_of_scope() -> None:
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["ecs"]["services"][4]["tags"] = []
    s = scope(e)
    assert s.cat("reports") == "undetermined" and "U1:unclassified" in s.codes("reports")
    e = payment_estate()
    e.doc["errors"] = [
        {
            "region": "us-east-1",
            "service": "ec2",
            "operation": "DescribeSecurityGroups",
            "message": "AccessDenied",
        }
    ]
    s = scope(e)
    assert s.cat("catalog") == "undetermined" and s.cat("payment-api") == "cde"
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["ecs"]["services"][3]["networkConfiguration"][
        "awsvpcConfiguration"
    ]["securityGroups"] = ["sg-other-account"]
    s = scope(e)
    assert s.cat("catalog") == "undetermined"


def test_ambiguous_tag_value_is_undetermined() -> None:
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["ecs"]["services"][4]["tags"] = [
        {"key": "pci:chd", "value": "yes"}
    ]
    s = scope(e)
    assert s.cat("reports") == "undetermined"


def test_ipv6_rules_and_nacl_deny() -> None:
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["ec2"]["subnets"][2]["Ipv6CidrBlockAssociationSet"] = [
        {"Ipv6CidrBlock": "2600:1f18:1:2::/64"}
    ]
    e.doc["regions"]["us-east-1"]["ec2"]["securityGroups"][2]["IpPermissions"].append(
        perm("tcp", 8080, cidrs6=["2600:1f18:1:2::/64"])
    )
    e.doc["regions"]["us-east-1"]["ec2"]["securityGroups"][5]["IpPermissionsEgress"].append(
        perm("-1", cidrs6=["::/0"])
    )
    s = scope(e)
    assert s.cat("catalog") == "connected-to"
    e.doc["regions"]["us-east-1"]["ec2"]["networkAcls"] = [{
        "NetworkAclId": "acl-cde", "VpcId": VPC, "IsDefault": False, "Associations": [{"SubnetId": "subnet-cde"}],
        "Entries": [{"RuleNumber": 100, "Protocol": "6", "RuleAction": "deny", "Egress": False, "Ipv6CidrBlock": "2600:1f18:1:2::/64", "PortRange": {"From": 0, "To": 65535}},
                    {"RuleNumber": 200, "Protocol": "-1", "RuleAction": "allow", "Egress": False, "CidrBlock": "0.0.0.0/0"},
                    {"RuleNumber": 201, "Protocol": "-1", "RuleAction": "allow", "Egress": False, "Ipv6CidrBlock": "::/0"}]}]  # fmt: skip
    s = scope(e)
    assert s.cat("catalog") == "out-of-scope"


def test_same_subnet_switch() -> None:
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["ecs"]["services"][4]["networkConfiguration"][
        "awsvpcConfiguration"
    ]["subnets"] = ["subnet-cde"]
    assert scope(e).cat("reports") == "out-of-scope"
    s = scope(e, policy=ScopePolicy(same_subnet_is_cde=True))
    assert s.cat("reports") == "cde" and "C4:same-subnet" in s.codes("reports")


def test_standalone_task_group_and_queue_accessed_by_cde_role() -> None:
    e = payment_estate()
    td = e.task_def("settle", tags={"pci:chd": "process"})
    e.task("payments", "t7", td, group="family:settle", launch="FARGATE")
    e.doc["regions"]["us-east-1"].setdefault("sqs", {})["queues"] = [{"QueueUrl": "https://sqs/111122223333/settlement",
        "QueueArn": arn("sqs", "settlement"), "QueueName": "settlement", "Attributes": {}, "Tags": {}}]  # fmt: skip
    e.doc["regions"]["us-east-1"]["iam"]["roles"][0]["RolePolicyList"][0]["PolicyDocument"][
        "Statement"
    ].append({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn("sqs", "settlement")})
    s = scope(e)
    assert s.cat("payments/family:settle", "task_group") == "cde"
    assert s.cat("settlement", "queue") == "connected-to" and "S1b:cde-role-access" in s.codes(
        "settlement", "queue"
    )


def test_dynamodb_table_by_name_in_a_card_flow() -> None:
    flows = [Flow(id="F9", src="payment-api", dst="card-tokens", elements=("PAN", "token"))]
    s = scope(payment_estate(), flows=flows)
    table = s.comp("card-tokens", "data_store")
    assert table["category"] == "cde" and "not-in-inventory" in table["flags"]
    assert s.events("DECLARATION_INCONSISTENT")[0]["flow"] == "F9"


def test_possible_bridge_sharing_is_cotenancy_not_contamination() -> None:
    e = _ec2_estate()
    tasks = e.doc["regions"]["us-east-1"]["ecs"]["tasks"]
    e.doc["regions"]["us-east-1"]["ecs"]["tasks"] = [
        t for t in tasks if t["group"] != "service:batch"
    ]
    s = scope(e)  # batch is not running: it may be placed on the CDE host, it does not share yet
    assert s.cat("batch") == "security-impacting" and "S2:cotenancy" in s.codes("batch")
    assert "Docker bridge" in s.comp("batch")["reasons"][0]["text"]


def test_unlabelled_data_store_is_undetermined() -> None:
    e = payment_estate()
    e.rds("legacy-db", VPC, ["subnet-data"], ["sg-reports"])
    s = scope(e)
    assert s.cat("legacy-db", "data_store") == "undetermined"
    assert "U1:unclassified" in s.codes("legacy-db", "data_store")


def test_sharing_is_also_an_edge() -> None:
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["ecs"]["taskDefinitions"][4]["taskRoleArn"] = (
        "arn:aws:iam::111122223333:role/payment-task"
    )
    s = scope(e)
    edges = [x for x in s.report["edges"] if x["type"] == "shares_task_role"]
    assert [
        (x["from"].rsplit("/", 1)[-1], x["to"].rsplit("/", 1)[-1], x["evidence"]) for x in edges
    ] == [("reports", "payment-api", ["arn:aws:iam::111122223333:role/payment-task"])]


def test_transit_gateway_carries_cidr_rules_not_group_references() -> None:
    e = payment_estate()
    e.vpc("vpc-shared", "172.20.0.0/16")
    e.subnet("subnet-shared", "vpc-shared", "172.20.1.0/24")
    e.sg("sg-shared", "vpc-shared", [], [ALL_OUT])
    e.cluster("shared-svcs")
    e.service(
        "scanner",
        "shared-svcs",
        e.task_def("scanner"),
        subnets=["subnet-shared"],
        sgs=["sg-shared"],
        tags={"pci:chd": "none"},
    )
    ec2 = e.doc["regions"]["us-east-1"]["ec2"]
    ec2["routeTables"] = [
        {"RouteTableId": "rtb-pay", "VpcId": VPC, "Associations": [{"Main": True}],
         "Routes": [{"DestinationCidrBlock": "172.20.0.0/16", "TransitGatewayId": "tgw-1"}]},
        {"RouteTableId": "rtb-shared", "VpcId": "vpc-shared", "Associations": [{"Main": True}],
         "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "TransitGatewayId": "tgw-1"}]},
    ]  # fmt: skip
    ec2["securityGroups"][2]["IpPermissions"].append(perm("tcp", 8080, sgs=["sg-shared"]))
    assert scope(e).cat("scanner") == "out-of-scope"  # a group reference does not cross a TGW
    ec2["securityGroups"][2]["IpPermissions"].append(perm("tcp", 8080, cidrs=["172.20.1.0/24"]))
    s = scope(e)
    assert (
        s.cat("scanner") == "connected-to"
        and "tgw-1" in s.comp("scanner")["reasons"][0]["evidence"]
    )


def test_collection_error_for_one_resource_marks_only_it() -> None:
    e = payment_estate()
    e.doc["errors"] = [{"region": "us-east-1", "service": "ecs", "operation": "DescribeServices",
                        "resource": arn("ecs", "service/storefront/reports"), "message": "Throttling"}]  # fmt: skip
    s = scope(e)
    assert s.cat("reports") == "undetermined" and s.cat("catalog") == "out-of-scope"
