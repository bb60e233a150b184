"""The store's tables (the head schema; ``migrations/versions`` builds it step by step).

Resource bodies, manifests, finding bodies and scope documents are content-addressed blobs:
the key is the sha256 of the canonical JSON, so an unchanged resource costs no new row, and a
run refers to each (section, region, bucket) manifest by hash.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

HEAD = "0002"

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", Float, nullable=False, index=True),
    Column("source", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("collected_at", String(64), nullable=False, default=""),
    Column("inputs", Text, nullable=False, default="[]"),
    Column("errors", Text, nullable=False, default="[]"),
    Column("resource_count", Integer, nullable=False, default=0),
    Column("error_count", Integer, nullable=False, default=0),
    # revision 0002
    Column("account_id", String(32), nullable=False, server_default=""),
    Column("tool_version", String(32), nullable=False, server_default=""),
)

blobs = Table(
    "blobs",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

run_sections = Table(
    "run_sections",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("attr", String(64), primary_key=True),
    Column("region", String(64), primary_key=True),
    Column("bucket", Integer, primary_key=True),
    Column("manifest", String(64), nullable=False),
    Column("count", Integer, nullable=False),
)

findings = Table(
    "findings",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("finding_id", String(64), primary_key=True),
    Column("check_id", String(200), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("status", String(8), nullable=False),
    Column("resource_type", String(100), nullable=False),
    Column("resource_id", Text, nullable=False),
    Column("body", String(64), nullable=False),
    Index("ix_findings_finding_id", "finding_id"),
    Index("ix_findings_run_status", "run_id", "status"),
    # revision 0002
    Index("ix_findings_check_id", "check_id"),
)

# revision 0002 from here on
scope_reports = Table(
    "scope_reports",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", Float, nullable=False, index=True),
    Column("doc", String(64), nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("time", String(64), nullable=False, default=""),
    Column("received_at", Float, nullable=False, index=True),
    Column("rule_id", String(200), nullable=False, default=""),
    Column("severity", String(16), nullable=False, default=""),
    Column("finding_type", String(200), nullable=False, default=""),
    Column("cluster", Text, nullable=False, default=""),
    Column("task_arn", Text, nullable=False, default=""),
    Column("body", Text, nullable=False),
)

baselines = Table(
    "baselines",
    metadata,
    Column("workload", String(512), primary_key=True),
    Column("updated_at", Float, nullable=False),
    Column("doc", Text, nullable=False),
)
