"""``ecsguard agent``: live capture on a host (eBPF) or in a Fargate task (/proc sidecar).

Events (OCSF JSON lines) go to ``--sink`` (stdout, file:PATH, nats://HOST:PORT; repeatable);
``--detect`` also runs the detection engine in-process and writes alerts to ``--alerts``.
On exit one JSON line of counters (events, drops, coverage) goes to stderr.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

import click
import orjson

from ecsguard.errors import UsageError

_TMDE_ENV = "ECS_CONTAINER_METADATA_URI_V4"


def _capture(mode: str, options: dict[str, Any]) -> Any:
    from ecsguard.agent.enrich import Enricher

    if mode == "ebpf":
        from ecsguard.agent.capture import BpftraceCapture

        enricher = Enricher(
            introspection_url=options["introspection_url"] or None,
            task_metadata_url=os.environ.get(_TMDE_ENV),
            docker_root=options["docker_root"],
        )
        skip = frozenset(s.strip() for s in options["skip"].split(",") if s.strip())
        return BpftraceCapture(
            enricher=enricher,
            queue_capacity=options["queue_size"],
            skip=skip,
            bpftrace=options["bpftrace"],
            libc=options["libc"],
        )
    from ecsguard.agent.procfs import ProcfsCapture

    enricher = Enricher(introspection_url=None, task_metadata_url=os.environ.get(_TMDE_ENV))
    return ProcfsCapture(enricher=enricher, interval=options["poll_interval"])


def _sinks(options: dict[str, Any]) -> list[Any]:
    from ecsguard.agent.sinks import DetectSink, open_event_sink

    specs = list(options["sink"]) or ([] if options["detect"] else ["stdout"])
    sinks = [open_event_sink(spec, cluster=options["cluster"]) for spec in specs]
    if options["detect"]:
        from ecsguard.runtime import load_engine
        from ecsguard.runtime.sinks import open_sink

        engine = load_engine(
            rules_dirs=list(options["rules"]) or None,
            intel_dir=options["intel"] or None,
            window_ms=options["alert_window"],
        )
        alert_sink = open_sink(options["alerts"], format=options["format"])
        sinks.append(DetectSink(engine, alert_sink))
    return sinks


@click.command("agent")
@click.option(
    "--mode",
    type=click.Choice(["ebpf", "procfs"]),
    default="ebpf",
    show_default=True,
    help="ebpf: bpftrace on an EC2/ECS Anywhere host; procfs: Fargate sidecar.",
)
@click.option(
    "--sink",
    multiple=True,
    metavar="SPEC",
    help="stdout | file:PATH | nats://HOST:PORT (repeatable; default stdout).",
)
@click.option("--detect", is_flag=True, help="Run the detection engine in-process.")
@click.option(
    "--alerts",
    default="stdout",
    show_default=True,
    metavar="SPEC",
    help="Where --detect writes alerts: stdout | file:PATH | nats://HOST:PORT.",
)
@click.option(
    "--format",
    type=click.Choice(["json", "ocsf", "asff"]),
    default="json",
    show_default=True,
    help="Alert format for --detect.",
)
@click.option(
    "--alert-window",
    type=click.IntRange(0),
    default=60_000,
    show_default=True,
    help="--detect: ms during which repeats of an alert are folded into one (0: none).",
)
@click.option("--rules", multiple=True, metavar="DIR", help="Extra rules (with --detect).")
@click.option("--intel", default="", metavar="DIR", help="Threat-intel directory (--detect).")
@click.option(
    "--cluster",
    default=None,
    help="Cluster for the NATS subject of host events (default: what the ECS agent reports).",
)
@click.option(
    "--introspection-url",
    default="http://localhost:51678",
    show_default=True,
    help="ECS agent introspection API ('' to disable).",
)
@click.option(
    "--docker-root",
    default="/var/lib/docker/containers",
    show_default=True,
    help="Docker's container state directory (image and labels per container).",
)
@click.option(
    "--libc",
    default=None,
    metavar="PATH",
    help="ebpf mode: the C library whose getaddrinfo is probed for DNS names "
    "(in a container: the host's, e.g. /host/lib/x86_64-linux-gnu/libc.so.6).",
)
@click.option(
    "--queue-size",
    type=click.IntRange(1024),
    default=65536,
    show_default=True,
    help="Bounded queue between capture and sinks; overflow is dropped and counted.",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(0.05),
    default=0.5,
    show_default=True,
    help="procfs mode: seconds between /proc scans.",
)
@click.option(
    "--skip",
    default="",
    metavar="SECTIONS",
    help="ebpf mode: comma list of script sections to leave out (e.g. open,dns).",
)
@click.option("--bpftrace", default="bpftrace", show_default=True, help="bpftrace executable.")
@click.option(
    "--duration",
    type=click.FloatRange(0),
    default=None,
    help="Stop after this many seconds (default: run until SIGINT/SIGTERM).",
)
@click.option("--max-events", type=click.IntRange(1), default=None, help="Stop after N events.")
def agent(**options: Any) -> None:
    """Capture process, file, network and DNS activity as OCSF events."""
    from ecsguard.agent.run import pump

    if options["format"] != "json" and not options["detect"]:
        raise UsageError("--format applies to alerts and needs --detect")
    capture = _capture(options["mode"], options)
    enricher = capture.builder.enricher
    if options["cluster"] is None and enricher is not None:
        enricher.refresh()  # host events go to ecsguard.events.<this instance's cluster>
        options["cluster"] = enricher.cluster
    sinks = _sinks(options)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    capture.start()
    ready = {
        "mode": options["mode"],
        "sections": list(capture.stats.sections),
        "missing": [{"section": s, "reason": r} for s, r in capture.stats.missing],
    }
    sys.stderr.buffer.write(orjson.dumps({"agent_ready": ready}) + b"\n")
    sys.stderr.flush()
    try:
        pump(
            capture.events(stop),
            sinks,
            stop=stop,
            max_events=options["max_events"],
            duration=options["duration"],
        )
    finally:
        capture.stop()
        for sink in sinks:
            sink.close()
        stats = capture.stats.as_dict()
        for sink in sinks:
            for key in ("published", "dropped", "alerts"):
                if hasattr(sink, key):
                    stats[f"sink_{key}"] = stats.get(f"sink_{key}", 0) + getattr(sink, key)
        sys.stderr.buffer.write(orjson.dumps({"agent_stats": stats}) + b"\n")
        sys.stderr.flush()
    failure = getattr(capture, "failure", None)
    if failure:
        from ecsguard.agent.capture import CaptureError

        raise CaptureError(failure)
