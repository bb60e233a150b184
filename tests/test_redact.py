"""Secret detection and redaction: by name, by value shape, in free text, deep in structures."""

from __future__ import annotations

import pytest

from ecsguard.redact import MASK, redact_text, scrub, secret_kind, secret_name


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("AKIAIOSFODNN7EXAMPLE", "aws-access-key-id"),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws-secret-access-key"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE...", "private-key"),
        ("ghp_" + "a1B2" * 9, "github-token"),
        ("xoxb-123456789012-abcdefghij", "slack-token"),
        ("sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "stripe-key"),
        ("postgres://app:s3cr3tpw@db.internal:5432/cards", "password-in-url"),
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "jwt",
        ),
        ("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg==", "high-entropy-string"),
    ],
)
def test_secret_values_are_recognised(value: str, kind: str) -> None:
    assert secret_kind(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/api:1.4.2",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
        "/var/run/docker.sock",
        "info",
        "https://api.example.com/v1/health",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "",
    ],
)
def test_ordinary_values_are_not_secrets(value: str) -> None:
    assert secret_kind(value) is None


def test_allow_list_wins() -> None:
    assert secret_kind("AKIAIOSFODNN7EXAMPLE", allow=["AKIAIOSFODNN7EXAMPLE"]) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DB_PASSWORD", True),
        ("apiKey", True),
        ("STRIPE_SECRET", True),
        ("GITHUB_TOKEN", True),
        ("PASSWORD_FILE", False),
        ("TOKEN_URL", False),
        ("SECRET_ARN", False),
        ("LOG_LEVEL", False),
        (None, False),
        (1, False),
    ],
)
def test_secret_names(name: object, expected: bool) -> None:
    assert secret_name(name) is expected


def test_redact_text_masks_assignments_and_tokens() -> None:
    line = "java -jar app.jar --db-password=hunter2 --api_key abc123 token: ghp_" + "x" * 36
    out = redact_text(line)
    assert "hunter2" not in out and "abc123" not in out and "ghp_" not in out
    assert "--db-password=***" in out
    assert redact_text("curl https://u:pw123456@host/x").count(MASK) == 1


def test_scrub_masks_pairs_by_name_and_value_and_keeps_names() -> None:
    doc = {
        "environment": [
            {"name": "DB_PASSWORD", "value": "hunter2"},
            {"name": "HARMLESS", "value": "AKIAIOSFODNN7EXAMPLE"},
            {"name": "LOG_LEVEL", "value": "debug"},
        ],
        "options": {"awslogs-group": "/ecs/web", "splunk-token": "abcd-efgh"},
        "command": ["sh", "-c", "export PASSWORD=letmein; run"],
    }
    out = scrub(doc)
    assert out["environment"][0] == {"name": "DB_PASSWORD", "value": MASK}
    assert out["environment"][1]["value"] == MASK
    assert out["environment"][2]["value"] == "debug"
    assert out["options"] == {"awslogs-group": "/ecs/web", "splunk-token": MASK}
    assert "letmein" not in out["command"][2]
    assert doc["environment"][0]["value"] == "hunter2"  # input untouched


def test_scrub_tolerates_non_string_names() -> None:
    assert scrub({"name": 1, "value": "AKIAIOSFODNN7EXAMPLE"}) == {"name": 1, "value": MASK}


def test_mysql_glued_password_is_masked_everywhere() -> None:
    from ecsguard.store.redaction import fast_scrub

    line = "mysql -h cards-db -u app -pCanaryPw_77aa cards"
    assert redact_text(line) == "mysql -h cards-db -u app -p*** cards"
    assert (
        scrub({"cmd": line})
        == fast_scrub({"cmd": line})
        == {"cmd": "mysql -h cards-db -u app -p*** cards"}
    )
    assert redact_text("ps -p 123") == "ps -p 123"


@pytest.mark.parametrize(
    "text",
    [
        "tokenizer:1",
        "arn:aws:ecs:us-east-1:123456789012:task-definition/tokenizer:7",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments/db-password-AbCdEf",
        "secretsmanager:GetSecretValue",
        "SECRET_ARN=arn:aws:ssm:us-east-1:1:parameter/x",
    ],
)
def test_ids_and_arns_are_not_mistaken_for_assignments(text: str) -> None:
    assert redact_text(text) == text
    assert scrub({"ref": text}) == {"ref": text}


@pytest.mark.parametrize(
    "text",
    [
        "-a" * 50_000,
        "mysql " * 20_000,
        "http://" + "u" * 100_000,
        "x://" * 30_000,
        "--token" * 20_000,
    ],
)
def test_hostile_text_is_redacted_in_linear_time(text: str) -> None:
    # Nothing here is a secret, so nothing may be masked; a quadratic pattern would not finish
    # within the suite's per-test timeout (tests/hardening bounds the same inputs at 20 s).
    assert redact_text(text) == text


def test_identifier_paths_are_not_high_entropy_secrets() -> None:
    finding_id = "ecsguard/123456789012/us-east-1/" + "630db551af1817254e7f2465516446" * 2
    assert secret_kind(finding_id) is None
    assert secret_kind("q8Zs/9vXn2Lk/Pw4eRt7Yu1Io3PaS5dF6gH8jK0lZ=") == "high-entropy-string"
