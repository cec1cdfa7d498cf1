"""Property-based contract testing of the whole OpenAPI document with schemathesis (all checks)."""

import tempfile
from typing import Any

import pytest
import schemathesis
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from schemathesis.engine.run import PhaseName
from sqlmodel import Session

from app.core.config import Settings
from app.core.db import make_engine
from app.main import create_app
from app.platform.access.keys.service import KeyScope, create_key
from tests.helpers.apps import api_of
from tests.helpers.databases import migrate_and_seed

pytestmark = pytest.mark.slow

# 409 and 412 are answers about the current state (a slug in use, a stale If-Match). If-Match is
# required by the document, so a schema-valid request always sends it: 428 is not accepted.
ACCEPTED = ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "429"]
SETTINGS: dict[str, Any] = {
    "generation": {"allow-x00": True, "max-examples": 40},
    "checks": {
        "enabled": True,
        # A cursor is opaque: one that fits its pattern can still be unreadable, and the
        # documented answer to that is 400. Every other status is as schemathesis expects.
        "positive_data_acceptance": {"expected-statuses": ACCEPTED},
    },
    "operations": [
        {
            # An editor's document can be well-formed yet refer to a source or condition that
            # does not exist, or break a rule across fields (a red flag needs its urgency and
            # action). The schema cannot say that; the answer is a 422 naming the field.
            "include-path-regex": "^/v1/admin/(conditions|causes|symptoms|treatments|sources)",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
            # 35 operations of one shape: fewer examples each keep the suite within minutes.
            "generation": {"max-examples": 15},
        },
        {"include-path-regex": "^/v1/admin/(keys|audit)", "generation": {"max-examples": 20}},
        {
            # A webhook URL can fit its pattern yet not resolve, or resolve to a private address; the
            # answer is a 422 naming the URL (enabling an endpoint checks its URL again).
            "include-path-regex": "^/v1/admin/webhooks",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
            "generation": {"max-examples": 20},
        },
        {
            # A clinical code can fit its pattern yet fail its system's check digit; an Infobutton
            # code needs its code system; a QuestionnaireResponse must answer our questionnaire's
            # items. The schema cannot say that; the answer is a 422 naming the parameter or item.
            "include-path-regex": "^/v1/(conditions|causes|symptoms|treatments|infobutton|triage)$",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        },
    ],
}
CONFIG = SchemathesisConfig.from_dict(SETTINGS)


# schemathesis builds its tests from the schema at collection time, so the app is made then.
_DATABASE_DIR = tempfile.TemporaryDirectory()


def _seeded_app() -> tuple[Any, str]:
    """The app on a seeded database, and an admin key so that the editing routes are exercised too."""
    url = f"sqlite:///{_DATABASE_DIR.name}/api.db"
    migrate_and_seed(url)
    engine = make_engine(url)
    with Session(engine) as session:
        _, key = create_key(
            session=session,
            name="schemathesis",
            scopes=[KeyScope.admin],
            allowed_origins=[],
            rate_limit_per_minute=1_000_000,
            actor="tests",
        )
    engine.dispose()
    app = create_app(Settings(database_url=url, rate_limit_anonymous_per_minute=1_000_000))
    api_of(app).state.services.snapshots.refresh()
    api_of(app).state.services.keyring.refresh()
    return app, key


_APP, _ADMIN_KEY = _seeded_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP, config=CONFIG)


@schema.parametrize()
def test_api_honours_its_openapi_document(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {_ADMIN_KEY}"})


def test_sequences_of_calls_find_no_failure() -> None:
    """The stateful phase: calls chained by what one answer gives the next (a slug, an id, an ETag),
    under the same checks and accepted statuses as the calls on their own."""
    config = SchemathesisConfig.from_dict(
        {
            **SETTINGS,
            "headers": {"Authorization": f"Bearer {_ADMIN_KEY}"},
            "phases": {
                "examples": {"enabled": False},
                "coverage": {"enabled": False},
                "fuzzing": {"enabled": False},
                "stateful": {"enabled": True, "max-steps": 8},
            },
        }
    )
    stateful = schemathesis.openapi.from_asgi("/openapi.json", _APP, config=config)
    scenarios, found = 0, []
    for event in engine.from_schema(stateful).execute():
        if isinstance(event, events.ScenarioFinished) and event.phase == PhaseName.STATEFUL_TESTING:
            scenarios += 1
            for checks in event.recorder.checks.values():
                found += [f"{check.name}: {check.failure_info.failure.title}" for check in checks if check.failure_info]
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.append(repr(event))
    assert scenarios > 0, "the stateful phase ran no scenario"
    assert found == []
