"""deploy/compose.yaml: the services a production deployment needs, wired by health and configured by env."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = ("api1", "api2")
# Read by the image or the CLI rather than by Settings.
PROCESS_VARIABLES = {"HOST", "PORT", "WORKERS", "DB_WAIT_SECONDS", "PROMETHEUS_MULTIPROC_DIR"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    return loaded


def test_the_stack_has_every_service(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "redis", "migrate", *REPLICAS, "proxy"}


def test_every_long_running_service_has_a_health_check(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name != "migrate":
            assert service["healthcheck"]["test"][0] == "CMD", name
    for name in REPLICAS:
        assert "/readyz" in " ".join(compose["services"][name]["healthcheck"]["test"])


def test_one_job_migrates_and_seeds_before_the_replicas_start(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["backpain", "prepare"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in REPLICAS:
        assert services[name]["command"] == ["backpain", "serve", "--no-prepare"]
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert services["proxy"]["depends_on"] == {name: {"condition": "service_healthy"} for name in REPLICAS}


def test_the_api_is_configured_by_environment_only(compose: dict[str, Any]) -> None:
    known = {name.upper() for name in Settings.model_fields} | PROCESS_VARIABLES
    for name in ("migrate", *REPLICAS):
        service = compose["services"][name]
        assert "env_file" not in service, name
        assert "volumes" not in service, name
        environment = service["environment"]
        assert set(environment) <= known, set(environment) - known
        assert environment["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert environment["FORWARDED_ALLOW_IPS"] == compose["networks"]["backend"]["ipam"]["config"][0]["subnet"]


def test_the_proxy_balances_over_both_replicas() -> None:
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.findall(r"^\s*server (\S+:\d+)", config, re.MULTILINE) == ["api1:8000", "api2:8000"]
    assert "location = /metrics" in config
