"""The triage request body in the OpenAPI document, described from the ruleset the app serves."""

from typing import Any

from app.core.media import FHIR_JSON, JSON
from app.triage.ruleset import UNSURE, RulesetDocument

# Without a loaded ruleset the document can only say what any answer looks like.
_ANY_ANSWER: dict[str, Any] = {
    "anyOf": [
        {"type": "boolean"},
        {"type": "string", "enum": [UNSURE]},
        {"type": "integer", "format": "int32", "minimum": 0, "maximum": 3650},
        {"type": "null"},
    ]
}
_DESCRIPTION = (
    'Answers by question id: yes/no questions take true, false or "unsure"; number questions an integer in'
    " range. null or absent means unanswered. A key given twice is a 422."
)


FHIR_EXAMPLE: dict[str, Any] = {
    "resourceType": "QuestionnaireResponse",
    "questionnaire": "https://api.example.org/fhir/Questionnaire/back-pain-triage|2",
    "status": "completed",
    "item": [
        {
            "linkId": "step-1",
            "item": [
                {
                    "linkId": "bladder_or_bowel_change",
                    "answer": [
                        {"valueCoding": {"system": "http://terminology.hl7.org/CodeSystem/v2-0136", "code": "Y"}}
                    ],
                }
            ],
        }
    ],
}


def request_body(document: RulesetDocument | None) -> dict[str, Any]:
    """The body of `POST /v1/triage`: one property per question of the ruleset, when one is given."""
    if document is None:
        answers: dict[str, Any] = {"type": "object", "maxProperties": 64, "additionalProperties": _ANY_ANSWER}
        region: dict[str, Any] = {"type": ["string", "null"], "pattern": "^[A-Za-z]{2}$", "maxLength": 2}
        example: dict[str, Any] = {"answers": {"chest_pain": True}}
    else:
        properties = {
            q.id: (
                # Typed alternatives rather than one mixed enum, which generators cannot type.
                {
                    "anyOf": [{"type": "boolean"}, {"type": "string", "enum": [UNSURE]}, {"type": "null"}],
                    "description": q.text,
                }
                if q.type == "bool"
                else {
                    "type": ["integer", "null"],
                    "format": "int32",
                    "minimum": q.min,
                    "maximum": q.max,
                    "description": q.text,
                }
            )
            for q in document.questions
        }
        answers = {"type": "object", "additionalProperties": False, "properties": properties}
        region = {"enum": [*sorted(r.code for r in document.regions), None]}
        example = {"answers": {q.id: (False if q.type == "bool" else q.min or 1) for q in document.questions}}
        example["answers"] |= {"age": 30, "duration_days": 2, "pain_severity": 4, "painkillers_not_helping": UNSURE}
        example["answers"]["started_after_strain"] = True
        example["region"] = "GB"
    schema = {
        "title": "TriageRequest",
        "type": "object",
        "required": ["answers"],
        "additionalProperties": False,
        "properties": {
            "answers": {**answers, "description": _DESCRIPTION},
            "region": {
                **region,
                "description": "Where the person is (ISO 3166 alpha-2; the server also accepts it in lower case);"
                " absent or null uses the deployment's REGION.",
            },
        },
    }
    return {
        "required": True,
        "content": {
            JSON: {"schema": schema, "example": example},
            FHIR_JSON: {
                "schema": {
                    "title": "FhirQuestionnaireResponse",
                    "type": "object",
                    "additionalProperties": True,
                    "description": "A FHIR R4 QuestionnaireResponse to /fhir/Questionnaire/back-pain-triage.",
                    "required": ["resourceType", "questionnaire"],
                },
                "example": FHIR_EXAMPLE,
            },
        },
    }


def describe_served_ruleset(schema: dict[str, Any], document: RulesetDocument | None) -> None:
    """Put the served ruleset's request body into an OpenAPI document."""
    if document is not None:
        schema["paths"]["/v1/triage"]["post"]["requestBody"] = request_body(document)
