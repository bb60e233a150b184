"""Outputs that leave the process: NATS JetStream, CloudWatch Logs, Security Hub (one module each)."""
