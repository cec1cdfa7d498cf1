"""Property-based contract testing of the whole OpenAPI document with schemathesis (all checks)."""

import tempfile
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig

from app.core.config import Settings
from app.main import create_app
from tests.conftest import api_of, migrate_and_seed

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"allow-x00": True, "max-examples": 40},
        "checks": {
            "enabled": True,
            # A cursor is opaque: one that fits its pattern can still be unreadable, and the
            # documented answer to that is 400. Every other status is as schemathesis expects.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]},
        },
    }
)


# schemathesis builds its tests from the schema at collection time, so the app is made then.
_DATABASE_DIR = tempfile.TemporaryDirectory()


def _seeded_app() -> Any:
    url = f"sqlite:///{_DATABASE_DIR.name}/api.db"
    migrate_and_seed(url)
    app = create_app(Settings(database_url=url))
    api_of(app).state.snapshots.refresh()
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", _seeded_app(), config=CONFIG)


@schema.parametrize()
def test_api_honours_its_openapi_document(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()
