"""Edges that read inputs: live AWS, snapshots, task definitions, CloudFormation, Terraform."""
