"""Build the bundled sample estate in a moto server, generation by generation.

Generation 0 is the baseline; each later generation applies one week's changes on top (see
``GENERATIONS``), so snapshots taken after each one form a lifecycle history::

    from ecsguard.sample.estate import build_estate
    estate = build_estate("http://127.0.0.1:5000", generation=3)
"""

from __future__ import annotations

from collections.abc import Callable

from ecsguard.sample.estate_base import (
    ACCOUNT,
    REGION,
    Estate,
    authorize,
    build_keys_and_logs,
    build_network,
    build_secrets,
    build_storage,
)
from ecsguard.sample.estate_data import (
    build_data_stores,
    build_discovery,
    build_load_balancer,
    build_registries,
    build_roles,
)
from ecsguard.sample.estate_ecs import build_ecs, network, register, run_tasks
from ecsguard.sample.estate_spec import SERVICES
from ecsguard.testing import freeze_ecs_tasks

__all__ = [
    "ACCOUNT",
    "GENERATIONS",
    "REGION",
    "SERVICES",
    "Estate",
    "apply_generation",
    "build_estate",
]

BASE_STEPS: tuple[Callable[[Estate], None], ...] = (
    build_network,
    build_keys_and_logs,
    build_secrets,
    build_storage,
    build_registries,
    build_data_stores,
    build_roles,
    build_discovery,
    build_load_balancer,
    build_ecs,
)


def _gen1(estate: Estate) -> None:
    """A hot-fix ships payment-api running as root, and someone opens the cards DB to the VPC."""
    ecs = estate.c("ecs")
    arn = register(estate, "payment-api", user="0", readonlyRootFilesystem=False)
    ecs.update_service(cluster="payments", service="payment-api", taskDefinition=arn)
    run_tasks(estate, "payment-api", 1)
    authorize(estate, "cards-db", "tcp", 5432, 5432, "10.0.0.0/16")


def _gen2(estate: Estate) -> None:
    """receipt-mailer is scaled to zero and fraud-scoring is retired (family deregistered)."""
    ecs = estate.c("ecs")
    ecs.update_service(cluster="payments", service="receipt-mailer", desiredCount=0)
    for key, arn in list(estate.ids.items()):
        if key.startswith(("task:receipt-mailer:", "task:fraud-scoring:")):
            ecs.stop_task(cluster="payments", task=arn, reason="scaled in")
            del estate.ids[key]
    ecs.update_service(cluster="payments", service="fraud-scoring", desiredCount=0)
    ecs.delete_service(cluster="payments", service="fraud-scoring")
    arns = ecs.list_task_definitions(familyPrefix="fraud-scoring", status="ACTIVE")[
        "taskDefinitionArns"
    ]
    for arn in arns:
        ecs.deregister_task_definition(taskDefinition=arn)


def _gen3(estate: Estate) -> None:
    """Remediation: payment-api back to a non-root user; the bastion's SSH is limited to the
    office prefix list; search gets its declaration; metrics now scrapes payment-api."""
    ecs, ec2, ids = estate.c("ecs"), estate.c("ec2"), estate.ids
    arn = register(estate, "payment-api")
    ecs.update_service(cluster="payments", service="payment-api", taskDefinition=arn)
    ec2.revoke_security_group_ingress(
        GroupId=ids["sg:admin-bastion"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "from 0.0.0.0/0"}],
            }
        ],
    )
    authorize(estate, "admin-bastion", "tcp", 22, 22, "pl:corp-office")
    authorize(estate, "payment-api", "tcp", 9102, 9102, "sg:metrics")
    service_arn = ids["svc:search"]
    ecs.tag_resource(
        resourceArn=service_arn,
        tags=[
            {"key": "pci:chd", "value": "none"},
            {"key": "data-classification", "value": "public"},
        ],
    )
    ecs.update_service(
        cluster="storefront",
        service="search",
        desiredCount=2,
        networkConfiguration=network(estate, SERVICES["search"]),
    )


GENERATIONS: tuple[Callable[[Estate], None], ...] = (_gen1, _gen2, _gen3)


def apply_generation(estate: Estate, generation: int) -> None:
    """Apply the changes of ``generation`` (1-based) to an estate at ``generation - 1``."""
    if generation != estate.generation + 1 or not 1 <= generation <= len(GENERATIONS):
        raise ValueError(f"cannot go from generation {estate.generation} to {generation}")
    GENERATIONS[generation - 1](estate)
    estate.generation = generation


def build_estate(url: str, generation: int = 0) -> Estate:
    """Build the estate on the moto server at ``url`` (expected empty) up to ``generation``."""
    freeze_ecs_tasks(url)
    estate = Estate(url)
    for step in BASE_STEPS:
        step(estate)
    for number in range(1, generation + 1):
        apply_generation(estate, number)
    return estate
