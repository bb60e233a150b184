"""Rule S5: components that provide services to the CDE are security-impacting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecsguard.scope import iam
from ecsguard.scope import ports as P
from ecsguard.scope.reasons import Reason

if TYPE_CHECKING:
    from ecsguard.scope.support import SupportRules

SG_KIND = frozenset({"security_group"})


def supporting_services(self: SupportRules) -> None:
    """S5: what serves the CDE (roles, secrets, keys, logs, images, names, orchestration,
    segmentation controls, administrators)."""
    for wid in self.cl.workloads_in_cde():
        wl = self.sg.workloads[wid]
        name = self.cl.name(wid)
        pairs = [(r, "cde-role", "task role") for r in wl.task_roles]
        pairs += [(r, "cde-role", "task execution role") for r in wl.exec_roles]
        pairs += [(s, "cde-secret", "secret") for s in wl.secrets]
        pairs += [(g, "cde-audit-logs", "log group (audit log storage)") for g in wl.log_groups]
        pairs += [
            (r, "cde-image-repository", "image repository (deployment of objects to the CDE)")
            for r in wl.repositories
        ]
        pairs += [
            (n, "cde-name-resolution", "service discovery namespace (name resolution)")
            for n in wl.namespaces
        ]
        pairs += [(v, "cde-volume", "file system") for v in wl.volumes]
        pairs += [(c, "cde-capacity", "capacity provider") for c in wl.capacity_providers]
        if wl.cluster:
            pairs.append((wl.cluster, "cde-orchestration", "cluster (container orchestration)"))
        for cid, code, what in pairs:
            self.add(cid, Reason("S5", code, f"{what} of CDE workload {name}", (cid, wid)))
            for key in self.sg.out(cid, "uses_key"):
                self.add(
                    key,
                    Reason(
                        "S5",
                        "cde-key",
                        f"KMS key protecting {what} {self.cl.name(cid)} of CDE workload {name}",
                        (key, cid, wid),
                    ),
                )
    for cid in list(self.cl.cde):
        for key in self.sg.out(cid, "uses_key"):
            self.add(
                key,
                Reason(
                    "S5", "cde-key", f"KMS key of CDE component {self.cl.name(cid)}", (key, cid)
                ),
            )
    _segmentation(self)
    _cluster_audit(self)
    _instance_roles(self)
    resources = self.resources
    for role in self.policies:
        pol = self.policies[role]
        if pol.allows(iam.ADMIN, "*"):
            self.add(
                role,
                Reason(
                    "S5",
                    "administers-cde",
                    "can change CDE services, task definitions or security groups (ecs:UpdateService/RegisterTaskDefinition/ExecuteCommand, ec2:AuthorizeSecurityGroup*)",
                    (role,),
                ),
            )
        for what in self.role_reach(role, resources)[:1]:
            self.add(role, Reason("S5", "reaches-cde-resource", f"can reach {what}", (role,)))


def _grants(self: SupportRules, group: str, cid: str) -> bool:
    """True when a member of ``group`` actually reaches ``cid`` (an ingress rule without
    matching egress opens no path, so its group is no segmentation control of the CDE)."""
    net = self.cl.net
    for src in self.sg.into(cid, "can_reach"):
        if any(group in net.classes[c].sgs for c in self.sg.components[src].classes):
            return True
    return False


def _segmentation(self: SupportRules) -> None:
    net = self.cl.net
    for cid in sorted(self.cl.cde):
        for c in self.sg.components[cid].classes:
            klass = net.classes[c]
            for gid in klass.sgs:
                sg_id = self.sg.resolve(gid, SG_KIND)
                if sg_id:
                    self.add(
                        sg_id,
                        Reason(
                            "S5",
                            "cde-segmentation-control",
                            f"security group of CDE component {self.cl.name(cid)} (segmentation control)",
                            (sg_id, cid),
                        ),
                    )
                sg = net.sgs.get(gid)
                for rule in sg.rules if sg else ():
                    if rule.direction == "ingress" and rule.peer_kind == "sg" and rule.peer != gid:
                        ref = self.sg.resolve(rule.peer, SG_KIND)
                        if ref and _grants(self, rule.peer, cid):
                            self.add(
                                ref,
                                Reason(
                                    "S5",
                                    "grants-cde-access",
                                    f"membership grants access to CDE component {self.cl.name(cid)} ({P.label(P.rule_ports(rule.protocol, rule.from_port, rule.to_port))})",
                                    (ref, cid),
                                    (rule.rule_id,),
                                ),
                            )
            for rid in self.cl.router.controls(klass):
                self.add(
                    rid,
                    Reason(
                        "S5",
                        "cde-segmentation-control",
                        f"network ACL or route table of the subnet of CDE component {self.cl.name(cid)}",
                        (rid, cid),
                    ),
                )


def _cluster_audit(self: SupportRules) -> None:
    """ECS Exec session logs and keys of clusters that host the CDE (audit log storage)."""
    clusters = {self.sg.workloads[w].cluster for w in self.cl.workloads_in_cde()} - {None}
    for ref in sorted(c for c in clusters if c):
        cluster = self.inv.cluster(ref)
        conf = cluster.configuration if cluster else None
        exec_conf = conf.execute_command_configuration if conf else None
        targets: list[tuple[str, str, str]] = []
        if exec_conf is not None:
            logs = exec_conf.log_configuration
            if logs and logs.cloud_watch_log_group_name:
                targets.append(
                    (
                        logs.cloud_watch_log_group_name,
                        "cde-exec-audit",
                        "ECS Exec session log group",
                    )
                )
            if logs and logs.s3_bucket_name:
                targets.append(
                    (logs.s3_bucket_name, "cde-exec-audit", "ECS Exec session log bucket")
                )
            if exec_conf.kms_key_id:
                targets.append((exec_conf.kms_key_id, "cde-key", "ECS Exec session key"))
        storage = conf.managed_storage_configuration if conf else None
        for key in (
            (storage.kms_key_id, storage.fargate_ephemeral_storage_kms_key_id) if storage else ()
        ):
            if key:
                targets.append((key, "cde-key", "managed storage key"))
        for target, code, what in targets:
            cid = self.sg.resolve(target)
            if cid is not None:
                self.add(
                    cid,
                    Reason(
                        "S5",
                        code,
                        f"{what} of cluster {self.cl.name(ref)}, which hosts the CDE",
                        (cid, ref),
                    ),
                )


def _instance_roles(self: SupportRules) -> None:
    """The instance role of a CDE host (bridge tasks reach its credentials through IMDS).

    The input has no instance-profile records: the profile is matched to a role by name
    (``X``, ``X`` with Profile -> Role), else to the only role EC2 may assume."""
    for cid in sorted(self.cl.cde):
        comp = self.sg.components[cid]
        if comp.kind not in ("container_instance", "instance"):
            continue
        inst = self.inv.find("instances", comp.meta.get("ec2_instance_id") or cid)
        profile = getattr(getattr(inst, "iam_instance_profile", None), "arn", None)
        if not profile:
            continue
        role = _profile_role(self, str(profile).rsplit("/", 1)[-1])
        if role is not None:
            text = f"instance role of CDE host {comp.name} (its tasks can obtain these credentials)"
            self.add(role, Reason("S5", "cde-instance-role", text, (role, cid)))


def _profile_role(self: SupportRules, profile: str) -> str | None:
    kinds = frozenset({"role"})
    for name in (profile, profile.replace("Profile", "Role"), profile.replace("profile", "role")):
        found = self.sg.resolve(name, kinds)
        if found is not None:
            return found
    ec2_roles = [
        r.id
        for r in self.inv.iam_roles
        if "ec2.amazonaws.com" in str(r.assume_role_policy_document or "")
    ]
    return ec2_roles[0] if len(ec2_roles) == 1 else None
