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
    maternity_service_name: str | None = None
    maternity_service_number: str | None = None


@dataclass(frozen=True)
class Voice:
    """The ruleset's texts with one region's services filled in, and those services as fields."""

    region: str | None
    services: dict[str, dict[str, str | None]]
    texts: Mapping[str, str]
    maternity: dict[str, str | None] | None = None  # named when a pregnancy answer holds

    def services_for(self, pregnant: bool) -> dict[str, dict[str, str | None]]:
        """The services to name: with the maternity service when the person is (or may be) pregnant."""
        if pregnant and self.maternity is not None:
            return {**self.services, "maternity": self.maternity}
        return self.services

    def __call__(self, text: str) -> str:
        return self.texts[text]


def _voice(document: RulesetDocument, region: str | None, services: RegionServices, maternity: Service | None) -> Voice:
    urgent = services.urgent
    said = {
        "{emergency}": services.emergency.name,
        "{urgent}": urgent.said or (urgent.name if urgent.number is None else f"{urgent.name} (call {urgent.number})"),
    }

    def fill(text: str) -> str:
        for placeholder, value in said.items():
            text = text.replace(placeholder, value)
        return text

    fields = {
        kind: {"name": service.name, "number": service.number}
        for kind, service in (("emergency", services.emergency), ("urgent", urgent))
    }
    named = {"name": maternity.name, "number": maternity.number} if maternity is not None else None
    return Voice(region, fields, {text: fill(text) for text in document.texts()}, named)


def voices(document: RulesetDocument, local: LocalServices) -> dict[str | None, Voice]:
    """One voice per known region, and the deployment's own (its REGION and overrides) under None."""
    regions = {r.code: r for r in document.regions}
    region = local.region.upper() if local.region else None
    if region is not None and region not in regions:
        # Generic wording is safe; refusing to serve content over a setting would not be.
        logger.warning("REGION %s is not in the triage ruleset: advice names no local numbers", region)
        region = None
    base = regions[region] if region is not None else document.unknown_region
    emergency, urgent = base.emergency, base.urgent
    if local.emergency_number:
        emergency = Service(name=local.emergency_number, number=local.emergency_number)
    if local.urgent_service_name or local.urgent_service_number:
        name, number = local.urgent_service_name or urgent.name, local.urgent_service_number or urgent.number
        # The region's own wording stays while the service is the region's own.
        said = urgent.said if (name, number) == (urgent.name, urgent.number) else None
        urgent = Service(name=name, number=number, said=said)
    maternity = document.maternity.service if document.maternity else None
    if maternity is not None and (local.maternity_service_name or local.maternity_service_number):
        maternity = Service(
            name=local.maternity_service_name or maternity.name,
            number=local.maternity_service_number or maternity.number,
        )
    own = _voice(document, region, RegionServices(emergency=emergency, urgent=urgent), maternity)
    voices: dict[str | None, Voice] = {
        code: _voice(document, code, services, maternity) for code, services in regions.items()
    }
    if region is not None:
        voices[region] = own
    voices[None] = own
    return voices
