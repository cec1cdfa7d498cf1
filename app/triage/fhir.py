"""The questionnaire as a FHIR R4 Questionnaire resource."""

from typing import Any

from app.triage.engine import Engine

_MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
# The answers of the HL7 "yesnodontknow" value set: v2-0136 Y and N, and data-absent-reason's
# asked-unknown for "unsure".
_YES_NO_UNSURE = [
    {"valueCoding": {"system": "http://terminology.hl7.org/CodeSystem/v2-0136", "code": "Y", "display": "Yes"}},
    {"valueCoding": {"system": "http://terminology.hl7.org/CodeSystem/v2-0136", "code": "N", "display": "No"}},
    {
        "valueCoding": {
            "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
            "code": "asked-unknown",
            "display": "Don't know",
        }
    },
]
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
                "type": "choice" if question.type == "bool" else "integer",
                "required": question.required,
                "item": [
                    {"linkId": f"{question.id}.help", "text": question.help, "type": "display", "extension": [_HELP]}
                ],
            }
            if question.type == "bool":
                item["answerOption"] = _YES_NO_UNSURE
            else:
                item["extension"] = [
                    {"url": _MIN_VALUE, "valueInteger": question.min},
                    {"url": _MAX_VALUE, "valueInteger": question.max},
                ]
            items.append(item)
        groups.append({"linkId": f"step-{step.step}", "text": step.title, "type": "group", "item": items})
    return {
        "resourceType": "Questionnaire",
        "id": "back-pain-triage",
        "version": str(engine.document.version),
        "description": engine.document.intro,
        "name": "BackPainTriage",
        "title": "Back pain triage",
        "status": "active",
        "subjectType": ["Patient"],
        "item": groups,
    }
