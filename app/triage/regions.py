"""Where the person is: each region's emergency number and same-day service, filled into the ruleset's texts."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from app.triage.ruleset import RegionServices, RulesetDocument, Service

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalServices:
    """The deployment's region and its own numbers, which replace that region's (each None keeps it)."""

    region: str | None = None
    emergency_number: str | None = None
    urgent_service_name: str | None = None
    urgent_service_number: str | None = None


@dataclass(frozen=True)
class Voice:
    """The ruleset's texts with one region's services filled in, and those services as fields."""

    region: str | None
    services: dict[str, dict[str, str | None]]
    texts: Mapping[str, str]

    def __call__(self, text: str) -> str:
        return self.texts[text]


def _voice(document: RulesetDocument, region: str | None, services: RegionServices) -> Voice:
    urgent = services.urgent
    said = {
        "{emergency}": services.emergency.name,
        "{urgent}": urgent.name if urgent.number is None else f"{urgent.name} (call {urgent.number})",
    }

    def fill(text: str) -> str:
        for placeholder, value in said.items():
            text = text.replace(placeholder, value)
        return text

    fields = {
        kind: {"name": service.name, "number": service.number}
        for kind, service in (("emergency", services.emergency), ("urgent", urgent))
    }
    return Voice(region, fields, {text: fill(text) for text in document.texts()})


def voices(document: RulesetDocument, local: LocalServices) -> dict[str | None, Voice]:
    """One voice per known region, and the deployment's own (its REGION and overrides) under None."""
    regions = {r.code: r for r in document.regions}
    region = local.region
    if region is not None and region not in regions:
        # Generic wording is safe; refusing to serve content over a setting would not be.
        logger.warning("REGION %s is not in the triage ruleset: advice names no local numbers", region)
        region = None
    base = regions[region] if region is not None else document.unknown_region
    emergency, urgent = base.emergency, base.urgent
    if local.emergency_number:
        emergency = Service(name=local.emergency_number, number=local.emergency_number)
    if local.urgent_service_name or local.urgent_service_number:
        urgent = Service(
            name=local.urgent_service_name or urgent.name, number=local.urgent_service_number or urgent.number
        )
    own = _voice(document, region, RegionServices(emergency=emergency, urgent=urgent))
    voices: dict[str | None, Voice] = {code: _voice(document, code, services) for code, services in regions.items()}
    if region is not None:
        voices[region] = own
    voices[None] = own
    return voices
