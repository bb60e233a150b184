"""Scope reports, runtime alerts and baselines; account and tool version on runs.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("account_id", sa.String(32), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("tool_version", sa.String(32), nullable=False, server_default="")
        )
    op.create_index("ix_findings_check_id", "findings", ["check_id"])
    op.create_table(
        "scope_reports",
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("doc", sa.String(64), nullable=False),
    )
    op.create_index("ix_scope_reports_created_at", "scope_reports", ["created_at"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("time", sa.String(64), nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("rule_id", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("finding_type", sa.String(200), nullable=False),
        sa.Column("cluster", sa.Text, nullable=False),
        sa.Column("task_arn", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_alerts_received_at", "alerts", ["received_at"])
    op.create_table(
        "baselines",
        sa.Column("workload", sa.String(512), primary_key=True),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("baselines")
    op.drop_index("ix_alerts_received_at", "alerts")
    op.drop_table("alerts")
    op.drop_index("ix_scope_reports_created_at", "scope_reports")
    op.drop_table("scope_reports")
    op.drop_index("ix_findings_check_id", "findings")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("tool_version")
        batch.drop_column("account_id")
