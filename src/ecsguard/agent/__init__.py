"""Live capture agent: eBPF (bpftrace) on EC2 hosts, a /proc poller on Fargate, OCSF out.

``ecsguard agent`` wires a capture (``BpftraceCapture`` or ``ProcfsCapture``) through a bounded
queue to an event sink (stdout, file, NATS JetStream or the in-process engine).
"""

from __future__ import annotations

__all__: list[str] = []
