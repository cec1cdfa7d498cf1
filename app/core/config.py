"""Settings, read only from environment variables."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.text import WebAddress


class Settings(BaseSettings):
    """Every setting the service reads; each is an environment variable of the same name."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/backpain.db",
        description="SQLAlchemy URL: SQLite by default, postgresql+psycopg://... in production.",
    )
    snapshot_refresh_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often each worker checks whether published content changed.",
    )
    cache_max_age: int = Field(default=300, ge=0, description="Cache-Control max-age, seconds.")
    cache_stale_while_revalidate: int = Field(
        default=86400, ge=0, description="Cache-Control stale-while-revalidate, seconds."
    )
    db_connect_timeout: int = Field(default=3, ge=1, description="Seconds to wait for a database connection.")
    log_level: str = Field(default="info", description="Log level of the server.")
    redis_url: str | None = Field(
        default=None,
        description="redis://host:port/db for rate-limit counters shared by every worker; unset keeps them in memory.",
    )
    fast_path_enabled: bool = Field(
        default=True,
        description=(
            "Answer hot GETs and triage POSTs from memory ahead of the framework; off, every request goes"
            " through the FastAPI routes (the same answers, more slowly)."
        ),
    )
    rate_limit_enabled: bool = Field(
        default=True, description="Count requests against the limits; turn off only when a gateway in front limits."
    )
    rate_limit_anonymous_per_minute: int = Field(default=60, ge=1, description="Requests per minute per client IP.")
    rate_limit_key_per_minute: int = Field(
        default=1200, ge=1, description="Requests per minute for a key that has no limit of its own."
    )
    rate_limit_key_per_client_per_minute: int = Field(
        default=120,
        ge=1,
        description=(
            "Requests per minute from one client IP with a key locked to origins (a clinic's widget key),"
            " on top of the key's own limit, so one address cannot use up a clinic's key. A whole triage in"
            " the widget, with the guide, costs 11 requests (9 with the key): 120 lets ten people behind one"
            " address (a clinic's Wi-Fi, a kiosk) each complete one in the same minute, five with room to spare."
        ),
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Comma-separated proxy IPs or networks whose X-Forwarded-For is trusted; '*' trusts all.",
    )
    changes_tombstone_days: int = Field(
        default=90, ge=0, description="Days a deletion stays in /v1/changes; older sync cursors get a 410."
    )
    publisher_name: str = Field(
        default="Back-pain guidance API",
        description="The organisation named as publisher in the schema.org (JSON-LD) output.",
    )
    publisher_url: WebAddress | None = Field(
        default=None, description="The publisher's website, for the JSON-LD output."
    )
    public_base_url: str | None = Field(
        default=None,
        # RFC 3986's characters: no quote, `<` or backslash can reach the links built from it. An IP
        # address or localhost is allowed, for development.
        pattern=r"^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$",
        description="The API's public address (e.g. https://api.example.org), for the absolute links of "
        "Infobutton feeds, FHIR resources and JSON-LD. Required by `backpain serve` on any address but "
        "loopback (the image's 0.0.0.0 included), so that no Host header makes them; unset, on loopback, "
        "each request's own address is used.",
    )
    region: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z]{2}$",
        description=(
            "ISO 3166 alpha-2 code of where the people served are (GB, US, CA, AU, NZ, IE; any letter case): triage"
            " advice names its emergency number and same-day service. Unset says 'the emergency number'."
        ),
    )
    emergency_number: str | None = Field(
        default=None,
        pattern=r"^[0-9][0-9 ]{1,19}$",
        description="Replaces the REGION's emergency number in triage advice.",
    )
    urgent_service_name: str | None = Field(
        default=None, max_length=100, description="Replaces the name of the REGION's same-day advice service."
    )
    urgent_service_number: str | None = Field(
        default=None,
        pattern=r"^[0-9][0-9 ]{1,19}$",
        description="Replaces the phone number of the REGION's same-day advice service.",
    )
    maternity_service_name: str | None = Field(
        default=None,
        max_length=100,
        description="How triage names the maternity service when the person is pregnant (else 'your maternity unit"
        " or midwife').",
    )
    maternity_service_number: str | None = Field(
        default=None,
        pattern=r"^[0-9][0-9 ]{1,19}$",
        description="The maternity service's phone number, for a tappable button on pregnancy results.",
    )
    webhooks_allow_loopback: bool = Field(
        default=False,
        description="Development only: let webhook URLs be http or https to this machine (localhost).",
    )
    webhook_max_endpoints: int = Field(
        default=50, ge=1, le=10000, description="How many webhook endpoints may be registered at once."
    )
    webhook_max_failures: int = Field(
        default=10, ge=1, le=1000, description="Failed attempts in a row after which a webhook endpoint is disabled."
    )
    webhook_poll_seconds: float = Field(
        default=2.0, gt=0, le=300, description="How often each worker looks for webhook deliveries that are due."
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="How long a webhook receiver has to answer one delivery."
    )
    worker_stall_seconds: float = Field(
        default=5.0,
        ge=0,
        description=(
            "A worker whose event loop is blocked this long is logged with its stack and ended, so that its"
            " supervisor starts a new one; 0 turns the watchdog off."
        ),
    )
    graceful_shutdown_seconds: int = Field(
        default=8,
        gt=0,
        description="After SIGTERM, how long open requests may finish before the server closes them and exits.",
    )
    content_license: WebAddress | None = Field(
        default=None, description="URL of the licence the content is offered under, for the JSON-LD output."
    )

    @property
    def trusted_proxies(self) -> list[str]:
        """FORWARDED_ALLOW_IPS as a list."""
        return [host.strip() for host in self.forwarded_allow_ips.split(",") if host.strip()]


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
