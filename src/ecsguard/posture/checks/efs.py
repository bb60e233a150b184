"""EFS file-system and access-point predicates (metadata in efs.yaml)."""

from __future__ import annotations

from ecsguard.model.services import EfsAccessPoint, EfsFileSystem
from ecsguard.posture.context import Context
from ecsguard.posture.iam import public_statements
from ecsguard.posture.outcome import (
    Outcome,
    Outcomes,
    error,
    fail,
    passed,
    undetermined,
    unknown_at,
)
from ecsguard.posture.registry import Predicate


def file_system_encrypted(fs: EfsFileSystem, ctx: Context) -> Outcomes:
    if fs.unknown and unknown_at(fs.unknown, "Encrypted"):
        return [undetermined("Encrypted")]
    if fs.encrypted:
        return [passed("Encrypted", True)]
    return [fail("Encrypted", fs.encrypted, "file system is not encrypted at rest")]


def access_point_root_directory(ap: EfsAccessPoint, ctx: Context) -> Outcomes:
    path = "RootDirectory.Path"
    if ap.unknown and unknown_at(ap.unknown, path):
        return [undetermined(path)]
    value = ap.root_directory.path if ap.root_directory else None
    if value in (None, "", "/"):
        return [fail(path, value, "access point is rooted at /")]
    return [passed(path, value)]


def access_point_posix_user(ap: EfsAccessPoint, ctx: Context) -> Outcomes:
    if ap.unknown and unknown_at(ap.unknown, "PosixUser"):
        return [undetermined("PosixUser")]
    if ap.posix_user is None or ap.posix_user.uid is None:
        return [fail("PosixUser", None, "access point does not enforce a POSIX user")]
    return [passed("PosixUser.Uid", ap.posix_user.uid)]


def file_system_not_public(fs: EfsFileSystem, ctx: Context) -> Outcomes:
    out: list[Outcome] = []
    bad = public_statements(fs.file_system_policy)
    if bad:
        out.append(
            fail(
                "FileSystemPolicy", bad, f"policy grants Principal * (statements {', '.join(bad)})"
            )
        )
    for index, mt in enumerate(fs.mount_targets):
        subnet = ctx.find("subnets", mt.subnet_id)
        path = f"mountTargets[{index}].SubnetId"
        if subnet is None:
            out.append(error(path, f"subnet {mt.subnet_id} is not in the input"))
        elif subnet.map_public_ip_on_launch:
            out.append(fail(path, mt.subnet_id, f"mount target in public subnet {mt.subnet_id}"))
    return out


def file_system_backup(fs: EfsFileSystem, ctx: Context) -> Outcomes:
    if fs.unknown and unknown_at(fs.unknown, "BackupPolicy"):
        return [undetermined("BackupPolicy")]
    status = (fs.backup_policy or {}).get("Status")
    if status == "ENABLED":
        return [passed("BackupPolicy.Status", status)]
    return [fail("BackupPolicy.Status", status, f"automatic backups are {status or 'off'}")]


CHECKS: dict[str, Predicate] = {
    "file_system_encrypted": file_system_encrypted,
    "access_point_root_directory": access_point_root_directory,
    "access_point_posix_user": access_point_posix_user,
    "file_system_not_public": file_system_not_public,
    "file_system_backup": file_system_backup,
}
