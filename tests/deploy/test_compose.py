"""deploy/compose.yaml: the services a production deployment needs, wired by health, configured by env and
hardened: read-only, no capabilities they do not need, bounded, and each on the networks it needs only."""

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from app.core.config import Settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = ("api1", "api2")
# Read by the image or the CLI rather than by Settings.
PROCESS_VARIABLES = {"HOST", "PORT", "WORKERS", "DB_WAIT_SECONDS", "PROMETHEUS_MULTIPROC_DIR"}
# What an operator sets; each must be required, so that a missing one stops `docker compose up`.
OPERATOR = {
    "PUBLIC_HOST": "api.example.org",
    "TLS_CERT_DIR": "/etc/letsencrypt/live/api.example.org",
    "POSTGRES_PASSWORD": "superuser-secret",
    "DB_OWNER_PASSWORD": "owner-secret",
    "DB_APP_PASSWORD": "app-secret",
    "REDIS_PASSWORD": "redis-secret",
}
# The capabilities a service may add back after dropping them all: nginx's master process binds 80
# and 443, creates its temporary folders for the workers and switches to their user.
CAPABILITIES = {"proxy": {"CHOWN", "SETUID", "SETGID", "NET_BIND_SERVICE"}}


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's variable interpolation (${NAME}, ${NAME:?message}, ${NAME:-default}, $$) over a value."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def one(found: re.Match[str]) -> str:
        if found[0] == "$$":
            return "$"
        name, operator, argument = found["name"], found["operator"], found["argument"]
        if env.get(name):
            return env[name]
        if operator == ":-":
            return argument or ""
        raise KeyError(f"{name} is required: {argument}" if operator == ":?" else f"{name} is unset")

    return re.sub(r"\$\$|\$\{(?P<name>\w+)(?:(?P<operator>:[?-])(?P<argument>[^}]*))?\}", one, value)


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def compose(raw: dict[str, Any]) -> dict[str, Any]:
    """The file as `docker compose config` sees it with the operator's variables set."""
    rendered: dict[str, Any] = interpolate(raw, OPERATOR)
    return rendered


def test_the_stack_has_every_service(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "redis", "migrate", *REPLICAS, "proxy"}


@pytest.mark.parametrize("name", sorted(OPERATOR))
def test_each_secret_and_name_the_operator_sets_is_required(raw: dict[str, Any], name: str) -> None:
    with pytest.raises(KeyError, match=f"{name} is required: set {name}"):
        interpolate(raw, {key: value for key, value in OPERATOR.items() if key != name})


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
        assert set(service["environment"]) <= known, set(service["environment"]) - known
        assert service["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")


def test_the_job_migrates_as_the_owner_and_the_replicas_run_as_the_app_role(compose: dict[str, Any]) -> None:
    services = compose["services"]
    owner = make_url(services["migrate"]["environment"]["DATABASE_URL"])
    assert (owner.username, owner.password, owner.host, owner.database) == (
        "backpain",
        "owner-secret",
        "postgres",
        "backpain",
    )
    for name in REPLICAS:
        app = make_url(services[name]["environment"]["DATABASE_URL"])
        assert (app.username, app.password, app.host, app.database) == (
            "backpain_app",
            "app-secret",
            "postgres",
            "backpain",
        )
    # The superuser's password reaches PostgreSQL alone; the roles' passwords reach its first start.
    postgres = services["postgres"]
    assert postgres["environment"] == {
        "POSTGRES_DB": "backpain",
        "POSTGRES_PASSWORD": "superuser-secret",
        "DB_OWNER": "backpain",
        "DB_OWNER_PASSWORD": "owner-secret",
        "DB_APP_USER": "backpain_app",
        "DB_APP_PASSWORD": "app-secret",
    }
    assert "./postgres/initdb:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    assert (ROOT / "deploy" / "postgres" / "initdb" / "10-roles.sh").is_file()


def test_only_the_replicas_have_the_redis_password_and_redis_requires_it(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in REPLICAS:
        assert services[name]["environment"]["REDIS_URL"] == "redis://:redis-secret@redis:6379/0"
    assert "REDIS_URL" not in services["migrate"]["environment"]
    command = services["redis"]["command"]
    assert command[command.index("--requirepass") + 1] == "redis-secret"
    # The health check authenticates: redis-cli reads the password from REDISCLI_AUTH.
    assert services["redis"]["environment"] == {"REDISCLI_AUTH": "redis-secret"}


def test_canonical_urls_and_the_proxy_name_come_from_one_host(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in REPLICAS:
        assert services[name]["environment"]["PUBLIC_BASE_URL"] == "https://api.example.org"
    assert services["proxy"]["environment"]["PUBLIC_HOST"] == "api.example.org"
    template = (ROOT / "deploy" / "nginx.conf.template").read_text()
    # The nginx image substitutes these from its environment, and no other (NGINX_ENVSUBST_FILTER).
    assert set(re.findall(r"\$\{(\w+)\}", template)) == {"PUBLIC_HOST"}
    assert services["proxy"]["environment"]["NGINX_ENVSUBST_FILTER"] == "PUBLIC_"


def test_the_proxy_serves_tls_with_the_mounted_certificate(compose: dict[str, Any]) -> None:
    proxy = compose["services"]["proxy"]
    assert sorted(proxy["ports"]) == ["443:443", "80:80"]
    assert proxy["volumes"] == [
        "./nginx.conf.template:/etc/nginx/templates/default.conf.template:ro",
        "/etc/letsencrypt/live/api.example.org:/etc/nginx/tls:ro",
        "acme:/var/www/acme:ro",
    ]


def test_only_nginx_may_set_the_client_address(compose: dict[str, Any]) -> None:
    proxy = compose["services"]["proxy"]["networks"]
    address = proxy["edge"]["ipv4_address"]
    edge = compose["networks"]["edge"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(edge)
    for name in REPLICAS:
        assert compose["services"][name]["environment"]["FORWARDED_ALLOW_IPS"] == address


def test_each_service_is_on_the_networks_it_needs_only(compose: dict[str, Any]) -> None:
    services = compose["services"]
    networks = {name: set(service["networks"]) for name, service in services.items()}
    assert networks == {
        "postgres": {"backend"},
        "redis": {"backend"},
        "migrate": {"backend"},
        # The replicas also reach out, to deliver webhooks.
        "api1": {"edge", "backend"},
        "api2": {"edge", "backend"},
        "proxy": {"edge"},
    }
    # Nothing on the backend network reaches out, nor is reached from outside the stack.
    assert compose["networks"]["backend"]["internal"] is True
    assert [name for name, service in services.items() if "ports" in service] == ["proxy"]


@pytest.mark.parametrize("name", ["postgres", "redis", "migrate", *REPLICAS, "proxy"])
def test_every_service_is_read_only_without_capabilities_and_bounded(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert service["read_only"] is True
    assert service["cap_drop"] == ["ALL"]
    assert set(service.get("cap_add", [])) == CAPABILITIES.get(name, set())
    assert service["security_opt"] == ["no-new-privileges:true"]
    assert re.fullmatch(r"\d+[mg]", service["mem_limit"])
    assert 0 < service["pids_limit"] <= 512
    # A read-only root: what a service writes goes to a tmpfs, or to PostgreSQL's volume.
    assert "/tmp" in service["tmpfs"]


def test_postgres_and_redis_run_as_their_own_users(compose: dict[str, Any]) -> None:
    # Neither entrypoint then needs root to hand its files over and switch user, so no capability.
    assert compose["services"]["postgres"]["user"] == "postgres"
    assert compose["services"]["redis"]["user"] == "redis"
