"""Sections for identity, discovery, secrets metadata and data stores: iam, servicediscovery,
secretsmanager, ssm, rds, sqs and s3.

Secrets are read as metadata only: nothing here calls GetSecretValue or GetParameter.
"""

from __future__ import annotations

from typing import Any

from ecsguard.collect.aws_calls import Caller

_AWS_POLICY_PREFIX = ":iam::aws:policy/"


def collect_iam(caller: Caller) -> dict[str, list[Any]]:
    """Roles with ``AttachedPolicies`` (each carrying its default version's ``PolicyDocument``)
    and ``RolePolicyList``, from GetAccountAuthorizationDetails plus AWS-managed documents."""
    roles: list[Any] = []
    local: dict[str, Any] = {}
    ok = True
    for kind, key in (("Role", "RoleDetailList"), ("LocalManagedPolicy", "Policies")):
        items = caller.pages("GetAccountAuthorizationDetails", key, kind, Filter=[kind])
        ok = ok and items is not None
        if kind == "Role":
            roles = items or []
        else:
            local = {p["Arn"]: _default_document(p) for p in items or []}
    documents = dict(local)
    for role in roles:
        attached = []
        for policy in role.get("AttachedManagedPolicies") or []:
            arn = policy["PolicyArn"]
            if arn not in documents and _AWS_POLICY_PREFIX in arn:
                documents[arn] = _aws_managed_document(caller, arn)
            entry = dict(policy)
            if documents.get(arn) is not None:
                entry["PolicyDocument"] = documents[arn]
            attached.append(entry)
        role["AttachedPolicies"] = attached
    return {"roles": roles}


def _default_document(policy: dict[str, Any]) -> Any:
    for version in policy.get("PolicyVersionList") or []:
        if version.get("IsDefaultVersion"):
            return version.get("Document")
    return None


def _aws_managed_document(caller: Caller, arn: str) -> Any:
    policy = caller.call("GetPolicy", arn, expect="Policy", PolicyArn=arn)
    if policy is None:
        return None
    version_id = policy["Policy"].get("DefaultVersionId", "v1")
    version = caller.call(
        "GetPolicyVersion", arn, expect="PolicyVersion", PolicyArn=arn, VersionId=version_id
    )
    return None if version is None else version["PolicyVersion"].get("Document")


def collect_servicediscovery(caller: Caller) -> dict[str, list[Any]]:
    return {
        "namespaces": caller.pages("ListNamespaces", "Namespaces") or [],
        "services": caller.pages("ListServices", "Services") or [],
    }


def collect_secretsmanager(caller: Caller) -> dict[str, list[Any]]:
    return {"secrets": caller.pages("ListSecrets", "SecretList") or []}


def collect_ssm(caller: Caller) -> dict[str, list[Any]]:
    return {"parameters": caller.pages("DescribeParameters", "Parameters") or []}


def collect_rds(caller: Caller) -> dict[str, list[Any]]:
    return {"dbInstances": caller.pages("DescribeDBInstances", "DBInstances") or []}


def collect_sqs(caller: Caller) -> dict[str, list[Any]]:
    # ListQueues leaves QueueUrls out when there are none, so an absent key is not an error;
    # and it only pages (NextToken) when MaxResults is set, else it stops at 1,000 queues.
    urls = caller.pages(
        "ListQueues", "QueueUrls", optional=True, PaginationConfig={"PageSize": 1000}
    )
    queues = []
    for url in urls or []:
        queue: dict[str, Any] = {"QueueUrl": url}
        attributes = caller.call(
            "GetQueueAttributes", url, expect="Attributes", QueueUrl=url, AttributeNames=["All"]
        )
        if attributes is not None:
            queue["Attributes"] = attributes["Attributes"]
        tags = caller.call("ListQueueTags", url, QueueUrl=url)
        if tags is not None:
            queue["Tags"] = tags.get("Tags") or {}
        queues.append(queue)
    return {"queues": queues}


# Extras read per bucket: snapshot key -> (operation, reply key, error codes meaning "none set").
_BUCKET_EXTRAS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "Tags": ("GetBucketTagging", "TagSet", ("NoSuchTagSet",)),
    "PublicAccessBlockConfiguration": (
        "GetPublicAccessBlock",
        "PublicAccessBlockConfiguration",
        ("NoSuchPublicAccessBlockConfiguration",),
    ),
    "ServerSideEncryptionConfiguration": (
        "GetBucketEncryption",
        "ServerSideEncryptionConfiguration",
        ("ServerSideEncryptionConfigurationNotFoundError",),
    ),
    "PolicyStatus": ("GetBucketPolicyStatus", "PolicyStatus", ("NoSuchBucketPolicy",)),
}


def collect_s3(caller: Caller) -> dict[str, list[Any]]:
    """Every bucket of the account (S3 is global), each with ``BucketRegion`` so the
    orchestrator can file it under its region."""
    buckets = caller.pages("ListBuckets", "Buckets") or []
    caller.fan_out(buckets, lambda bucket: _bucket_extras(caller, bucket))
    return {"buckets": buckets}


def _bucket_extras(caller: Caller, bucket: dict[str, Any]) -> None:
    name = bucket["Name"]
    if not bucket.get("BucketRegion"):
        location = caller.call("GetBucketLocation", name, Bucket=name)
        if location is not None:
            bucket["BucketRegion"] = location.get("LocationConstraint") or "us-east-1"
    for key, (operation, reply_key, absent) in _BUCKET_EXTRAS.items():
        reply = caller.call(operation, name, absent=absent, Bucket=name)
        if reply == {} and key == "Tags":
            bucket[key] = []
        elif reply:
            bucket[key] = reply.get(reply_key)
