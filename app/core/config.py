"""Settings, read only from environment variables."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
