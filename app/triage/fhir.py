"""The questionnaire as a FHIR R4 Questionnaire resource."""

from typing import Any

from app.triage.engine import Engine

_MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
_ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
_HELP = {
    "url": _ITEM_CONTROL,
    "valueCodeableConcept": {
        "coding": [
            {"system": "http://hl7.org/fhir/questionnaire-item-control", "code": "help", "display": "Help-Button"}
        ]
    },
}


def fhir_questionnaire(engine: Engine) -> dict[str, Any]:
    """One group item per step; each question an item whose linkId is its id."""
    groups = []
    for step in engine.document.steps:
        items = []
        for question in engine.questions:
            if question.step != step.step:
                continue
            item: dict[str, Any] = {
                "linkId": question.id,
                "text": question.text,
                "type": "boolean" if question.type == "bool" else "integer",
                "required": question.required,
                "item": [
                    {"linkId": f"{question.id}.help", "text": question.help, "type": "display", "extension": [_HELP]}
                ],
            }
            if question.type == "int":
                item["extension"] = [
                    {"url": _MIN_VALUE, "valueInteger": question.min},
                    {"url": _MAX_VALUE, "valueInteger": question.max},
                ]
            items.append(item)
        groups.append({"linkId": f"step-{step.step}", "text": step.title, "type": "group", "item": items})
    return {
        "resourceType": "Questionnaire",
        "id": "back-pain-triage",
        "version": engine.document.version,
        "name": "BackPainTriage",
        "title": "Back pain triage",
        "status": "active",
        "subjectType": ["Patient"],
        "item": groups,
    }
