"""Agent overhead and loss under fixed offered loads (exec + open + connect).

For each rate: start ``ecsguard agent --mode ebpf --sink stdout`` (real bpftrace), wait until
its probes are attached, measure an idle baseline, run ``loadgen.py`` at the rate, then report
the agent's CPU (agent + bpftrace, % of one core), peak RSS, end-to-end latency (kernel event
time to the line arriving on the agent's stdout) and drops (the agent's own counters, plus
load events that never arrived). Needs root and bpftrace.

    .venv/bin/python bench/agent/run.py [--rates 1000,5000,20000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

import orjson
import psutil

HERE = Path(__file__).resolve().parent
CLI = "import sys; from ecsguard.cli import main; main(sys.argv[1:])"
LOAD_NAME = "ecsg-load"


class Reader(threading.Thread):
    """Reads the agent's stdout; keeps receive-time latency of the load generator's events."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.total = 0
        self.load_events = 0
        self.latencies: list[float] = []
        self.recording = False

    def run(self) -> None:
        for line in self.stream:
            now_ms = time.time() * 1000
            self.total += 1
            event = orjson.loads(line)
            if _is_load(event):
                self.load_events += 1
                if self.recording:
                    self.latencies.append(now_ms - event["time"])


def _is_load(event: dict[str, Any]) -> bool:
    if event.get("class_uid") == 1007:
        return (event.get("actor", {}).get("process", {}).get("name") == LOAD_NAME
                and event["process"].get("name") == "true")  # fmt: skip
    return event.get("actor", {}).get("process", {}).get("name") == LOAD_NAME


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    return [proc, *proc.children(recursive=True)]


def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            continue
    return total


def _rss(procs: list[psutil.Process]) -> int:
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def _start_agent(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Reader, list[bytes]]:
    cmd = [sys.executable, "-c", CLI, "agent", "--mode", "ebpf", "--sink", "stdout",
           "--introspection-url", ""]  # fmt: skip
    agent = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert agent.stdout is not None and agent.stderr is not None
    err: list[bytes] = []
    for raw in agent.stderr:
        err.append(raw)
        if b"agent_ready" in raw:
            break
    else:
        raise SystemExit("agent did not start: " + b"".join(err).decode())
    threading.Thread(target=lambda: err.extend(agent.stderr or []), daemon=True).start()
    reader = Reader(agent.stdout)
    reader.start()
    return agent, reader, err


def measure(rate: int, seconds: float, idle: float, env: dict[str, str]) -> dict[str, Any]:
    agent, reader, err = _start_agent(env)
    tree = _tree(psutil.Process(agent.pid))
    time.sleep(0.5)
    cpu0, t0, before = _cpu(tree), time.monotonic(), reader.total
    time.sleep(idle)
    idle_cpu = (_cpu(tree) - cpu0) / (time.monotonic() - t0) * 100
    background_rate = (reader.total - before) / (time.monotonic() - t0)
    reader.recording = True
    peak = _rss(tree)
    with tempfile.TemporaryDirectory() as work:
        gen = subprocess.Popen([sys.executable, str(HERE / "loadgen.py"), str(rate), str(seconds), work],
                               stdout=subprocess.PIPE)  # fmt: skip
        cpu1, t1 = _cpu(tree), time.monotonic()
        while gen.poll() is None:
            peak = max(peak, _rss(tree))
            time.sleep(0.2)
        load_cpu = (_cpu(tree) - cpu1) / (time.monotonic() - t1) * 100
        done = orjson.loads(gen.communicate()[0])
    time.sleep(2.0)  # let the last events drain
    agent.send_signal(signal.SIGINT)
    agent.wait(timeout=30)
    stats = next(orjson.loads(ln)["agent_stats"] for ln in err if b"agent_stats" in ln)
    lat = sorted(reader.latencies) or [float("nan")]
    return {
        "offered_rate": rate,
        "achieved_rate": round(done["events"] / done["seconds"]),
        "background_events_per_s": round(background_rate),
        "agent_cpu_pct_idle": round(idle_cpu, 1),
        "agent_cpu_pct_load": round(load_cpu, 1),
        "agent_cpu_pct_added": round(load_cpu - idle_cpu, 1),
        "peak_rss_mib": round(peak / 2**20, 1),
        "latency_ms_p50": round(statistics.median(lat), 1),
        "latency_ms_p99": round(lat[int(len(lat) * 0.99) - 1] if len(lat) > 1 else lat[0], 1),
        "generated": done["events"],
        "received": reader.load_events,
        "missing": done["events"] - reader.load_events,
        "agent_dropped": stats["dropped"],
        "queue_high_water": stats["queue_high_water"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1000,5000,20000")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--idle", type=float, default=3.0)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root (eBPF)")
    env = dict(os.environ, PYTHONPATH=str(HERE.parents[1] / "src"))
    results = [measure(int(r), args.seconds, args.idle, env) for r in args.rates.split(",")]
    keys = list(results[0])
    print("  ".join(f"{k:>14}" for k in ("metric", *(str(r["offered_rate"]) for r in results))))
    for key in keys[1:]:
        print("  ".join(f"{v!s:>14}" for v in (key[:14], *(r[key] for r in results))))
    base = results[0]["agent_cpu_pct_added"] or 0.1
    print("\ncpu ratio vs the lowest rate (same run):",
          ", ".join(f"{r['offered_rate']}/s: {r['agent_cpu_pct_added'] / base:.1f}x" for r in results))  # fmt: skip
    print(orjson.dumps(results).decode())


if __name__ == "__main__":
    main()
