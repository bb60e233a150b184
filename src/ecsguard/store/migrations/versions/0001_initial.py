"""Initial schema: runs, content-addressed blobs, run manifests per section, findings.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("collected_at", sa.String(64), nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("errors", sa.Text, nullable=False),
        sa.Column("resource_count", sa.Integer, nullable=False),
        sa.Column("error_count", sa.Integer, nullable=False),
    )
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_table(
        "blobs",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "run_sections",
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("attr", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(64), primary_key=True),
        sa.Column("bucket", sa.Integer, primary_key=True),
        sa.Column("manifest", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("finding_id", sa.String(64), primary_key=True),
        sa.Column("check_id", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("resource_type", sa.String(100), nullable=False),
        sa.Column("resource_id", sa.Text, nullable=False),
        sa.Column("body", sa.String(64), nullable=False),
    )
    op.create_index("ix_findings_finding_id", "findings", ["finding_id"])
    op.create_index("ix_findings_run_status", "findings", ["run_id", "status"])


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("run_sections")
    op.drop_table("blobs")
    op.drop_index("ix_runs_started_at", "runs")
    op.drop_table("runs")
