"""The Dockerfile, docker-compose.yml and .env.example keep the properties the deploy docs promise.

No Docker engine runs in CI here, so the files are parsed: instructions per stage, the final
stage's user, health check and command, compose's Redis persistence, and an env example free of
secrets.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BUILD_TOOLS = ("gcc", "g++", "build-essential", "make ", "clang", "python3-dev", "libc-dev")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions((ROOT / "Dockerfile").read_text(encoding="utf-8")):
        if keyword == "FROM":
            found.append([])
        if found:
            found[-1].append((keyword, rest))
    return found


def test_dockerfile_is_multi_stage_on_a_slim_python() -> None:
    all_stages = stages()
    assert len(all_stages) >= 2
    final_from = all_stages[-1][0][1]
    assert re.match(r"python:3\.1[1-9]-slim", final_from)
    assert any(k == "COPY" and "--from=" in r for k, r in all_stages[-1])


def test_final_stage_runs_as_a_non_root_user() -> None:
    users = [rest for keyword, rest in stages()[-1] if keyword == "USER"]
    assert users, "the final stage must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_final_stage_installs_no_build_tools() -> None:
    for keyword, rest in stages()[-1]:
        if keyword == "RUN":
            assert not any(tool in rest for tool in BUILD_TOOLS), rest
            assert "pip install" not in rest  # dependencies come built from the first stage


def test_healthcheck_probes_healthz_and_the_default_command_is_serve() -> None:
    final = dict(stages()[-1])
    assert "/healthz" in final["HEALTHCHECK"]
    assert shlex.split(final["ENTRYPOINT"].strip("[]").replace(",", " ")) == ["iam-audit"]
    assert '"serve"' in final["CMD"]
    assert "3000" in final["EXPOSE"]
    assert final.get("STOPSIGNAL") == "SIGINT"  # serve shuts down gracefully on SIGINT


def test_dockerignore_keeps_secrets_and_tests_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored
    assert ".git" in ignored


def test_compose_runs_the_bot_with_redis_persisting_append_only() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    redis_command = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in redis_command
    assert any("/data" in volume for volume in services["redis"]["volumes"])
    assert "ports" not in services["redis"]  # Redis is not published outside compose
    bot = services["bot"]
    assert bot["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["worker"]["command"] == ["worker"]
    assert services["worker"]["environment"]["REDIS_URL"] == bot["environment"]["REDIS_URL"]


def test_env_example_has_every_required_name_and_no_secret_values() -> None:
    values = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        assert values.get(name) == "", name
    for name in ("IAM_AUDIT_ORG_ROLE", "IAM_AUDIT_EXTERNAL_ID", "IAM_AUDIT_QUEUE"):
        assert name in values
    joined = "\n".join(values.values())
    assert not re.search(r"xox[abpr]-|xapp-|AKIA[A-Z0-9]{16}", joined)


def test_env_example_values_pass_the_bots_own_validation() -> None:
    from bot.config.operations import parse_operations

    env = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    problems: list[str] = []
    parse_operations(env, aws={}, bot={}, redis_url="redis://redis:6379/0", problems=problems)
    assert problems == []
