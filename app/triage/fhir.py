"""The triage in FHIR R4: the Questionnaire, the code systems of its results, a QuestionnaireResponse
read as answers, and the result as a GuidanceResponse."""

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from app.core.errors import AppError, InvalidInput
from app.triage.engine import Answer, CompiledRuleset
from app.triage.ruleset import Term

QUESTIONNAIRE_ID = "back-pain-triage"
QUESTIONNAIRE_PATH = f"/fhir/Questionnaire/{QUESTIONNAIRE_ID}"
LEVEL_SYSTEM_PATH = "/fhir/CodeSystem/triage-level"
TIMEFRAME_SYSTEM_PATH = "/fhir/CodeSystem/triage-timeframe"
_MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
_YES_NO = "http://terminology.hl7.org/CodeSystem/v2-0136"
_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
# The answers of the HL7 "yesnodontknow" value set: v2-0136 Y and N, and data-absent-reason's
# asked-unknown for "unsure".
_YES_NO_UNSURE = [
    {"valueCoding": {"system": _YES_NO, "code": "Y", "display": "Yes"}},
    {"valueCoding": {"system": _YES_NO, "code": "N", "display": "No"}},
    {"valueCoding": {"system": _ABSENT, "code": "asked-unknown", "display": "Don't know"}},
]
_ANSWER_OF: dict[tuple[str, str], Answer] = {
    (_YES_NO, "Y"): True,
    (_YES_NO, "N"): False,
    (_ABSENT, "asked-unknown"): "unsure",
}
_ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
_HELP = {
    "url": _ITEM_CONTROL,
    "valueCodeableConcept": {
        "coding": [
            {"system": "http://hl7.org/fhir/questionnaire-item-control", "code": "help", "display": "Help-Button"}
        ]
    },
}
TIMEFRAMES = {
    "now": ("Now", "Get help straight away."),
    "today": ("Today", "Get help the same day."),
    "within_2_weeks": ("Within 2 weeks", "See a doctor or physiotherapist within two weeks."),
    "self_care": ("Self-care", "Look after it at home, and get help if it does not improve."),
}
Codes = Mapping[str, Sequence[Mapping[str, str]]]


def fhir_questionnaire(
    engine: CompiledRuleset, *, base: str, publisher: str, loaded: datetime | None, question_codes: Codes
) -> dict[str, Any]:
    """One group item per step; each question an item whose linkId is its id, coded where a code exists."""
    document = engine.document
    groups = []
    for step in document.steps:
        items = []
        for question in engine.questions:
            if question.step != step.step:
                continue
            item: dict[str, Any] = {"linkId": question.id}
            if codes := question_codes.get(question.id):
                item["code"] = [dict(code) for code in codes]
            item |= {
                "text": question.text,
                "type": "choice" if question.type == "bool" else "integer",
                "required": question.required,
                "item": [
                    {"linkId": f"{question.id}.help", "text": question.help, "type": "display", "extension": [_HELP]}
                ],
            }
            if question.ask_if is not None:
                item |= _enable_when(question.ask_if)
            if question.type == "bool":
                item["answerOption"] = _YES_NO_UNSURE
            else:
                item["extension"] = [
                    {"url": _MIN_VALUE, "valueInteger": question.min},
                    {"url": _MAX_VALUE, "valueInteger": question.max},
                ]
            items.append(item)
        groups.append({"linkId": f"step-{step.step}", "text": step.title, "type": "group", "item": items})
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "meta": {"versionId": str(document.version)},
        "url": f"{base}{QUESTIONNAIRE_PATH}",
        "version": str(document.version),
        "name": "BackPainTriage",
        "title": "Back pain triage",
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": publisher,
        "description": document.intro,
        "copyright": f"Written by {publisher} in its own words from the cited guidelines. {document.disclaimer}",
        "item": groups,
    }
    if loaded is not None:
        stamp = (loaded if loaded.tzinfo else loaded.replace(tzinfo=UTC)).astimezone(UTC)
        resource["date"] = resource["meta"]["lastUpdated"] = stamp.isoformat(timespec="seconds").replace("+00:00", "Z")
    return resource


def _enable_when(condition: Term) -> dict[str, Any]:
    """An `ask_if` as FHIR `enableWhen`: a yes test enables on Yes and on the unsure answer."""
    assert condition.question is not None
    when: list[dict[str, Any]]
    if condition.is_ is True:
        when = [
            {"question": condition.question, "operator": "=", "answerCoding": option["valueCoding"]}
            for option in (_YES_NO_UNSURE[0], _YES_NO_UNSURE[2])
        ]
    elif condition.lt is not None:
        when = [{"question": condition.question, "operator": "<", "answerInteger": condition.lt}]
    else:
        assert condition.ge is not None
        when = [{"question": condition.question, "operator": ">=", "answerInteger": condition.ge}]
    return {"enableWhen": when, "enableBehavior": "any"}


def code_system(
    kind: str, engine: CompiledRuleset, *, base: str, publisher: str, say: Callable[[str], str]
) -> dict[str, Any]:
    """The code system of triage levels (`level`) or of timeframes (`timeframe`) that results use; `say`
    words a level's advice for no region in particular."""
    document = engine.document
    if kind == "level":
        concepts = [
            {"code": level.id, "display": level.title, "definition": say(level.advice)} for level in document.levels
        ]
        path, name, title = LEVEL_SYSTEM_PATH, "TriageLevel", "Back pain triage levels, most urgent first"
    else:
        timeframes = dict.fromkeys(level.timeframe for level in document.levels)
        concepts = [
            {"code": code, "display": TIMEFRAMES[code][0], "definition": TIMEFRAMES[code][1]} for code in timeframes
        ]
        path, name, title = TIMEFRAME_SYSTEM_PATH, "TriageTimeframe", "How soon to act on a back pain triage result"
    return {
        "resourceType": "CodeSystem",
        "id": path.rsplit("/", 1)[1],
        "url": f"{base}{path}",
        "version": str(document.version),
        "name": name,
        "title": title,
        "status": "active",
        "publisher": publisher,
        "content": "complete",
        "caseSensitive": True,
        "count": len(concepts),
        "concept": concepts,
    }


MAX_ITEM_DEPTH = 8  # this questionnaire nests three: a step's group, its question, the question's help
MAX_JSON_DEPTH = 64


def check_depth(resource: Mapping[str, Any]) -> None:
    """InvalidInput when items nest deeper than MAX_ITEM_DEPTH, or the JSON deeper than MAX_JSON_DEPTH:
    checked without recursion, before FHIR's recursive model would run out of stack."""
    pending: list[tuple[object, list[str | int], int]] = [(resource, ["body"], 0)]
    while pending:
        value, loc, items = pending.pop()
        if len(loc) > MAX_JSON_DEPTH:
            raise _too_deep(loc, f"the JSON nests more than {MAX_JSON_DEPTH} deep")
        children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, child in children:
            depth = items + 1 if key == "item" and isinstance(child, list) and child else items
            if depth > MAX_ITEM_DEPTH:
                raise _too_deep([*loc, key], f"items nest more than {MAX_ITEM_DEPTH} deep")
            pending.append((child, [*loc, key], depth))


def _too_deep(loc: list[str | int], msg: str) -> InvalidInput:
    return InvalidInput("The QuestionnaireResponse nests too deep; see errors.", errors=[{"loc": loc, "msg": msg}])


def _walk(items: object, loc: list[str | int]) -> list[tuple[dict[str, Any], list[str | int]]]:
    """Every item of a response, nested groups included, with where it is."""
    found: list[tuple[dict[str, Any], list[str | int]]] = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            found.append((item, [*loc, index]))
            found += _walk(item.get("item"), [*loc, index, "item"])
    return found


def response_answers(engine: CompiledRuleset, resource: Mapping[str, Any], *, base: str) -> dict[str, Any]:
    """The answers of a QuestionnaireResponse to this questionnaire, in the JSON form's shape; InvalidInput
    names each item that does not exist, is answered twice or has the wrong type of answer."""
    canonical, _, version = str(resource.get("questionnaire", "")).partition("|")
    errors: list[dict[str, Any]] = []
    if not canonical.endswith(QUESTIONNAIRE_PATH):
        errors.append(
            {"loc": ["body", "questionnaire"], "msg": f"not this questionnaire: use {base}{QUESTIONNAIRE_PATH}"}
        )
    elif version and version != str(engine.document.version):
        errors.append(
            {
                "loc": ["body", "questionnaire"],
                "msg": f"version {version} is not the version in force, {engine.document.version}",
            }
        )
    groups = {f"step-{step.step}" for step in engine.document.steps}
    answers: dict[str, Any] = {}
    for item, loc in _walk(resource.get("item"), ["body", "item"]):
        link = str(item.get("linkId"))
        if link in groups:
            if item.get("answer"):
                errors.append({"loc": [*loc, "answer"], "msg": "a group takes no answer"})
            continue
        if link not in engine.ranges:
            replaced = engine.document.replaced.get(link)
            msg = f"no question has the linkId {link!r}"
            if replaced:
                msg = f"{link!r} was replaced in ruleset {engine.document.version} by {' and '.join(replaced)}"
            errors.append({"loc": [*loc, "linkId"], "msg": msg})
            continue
        if link in answers:
            errors.append({"loc": [*loc, "linkId"], "msg": "answered more than once"})
            continue
        given = item.get("answer") or []
        if len(given) > 1:
            errors.append({"loc": [*loc, "answer"], "msg": "takes one answer"})
            continue
        answers[link] = (
            None if not given else _value(given[0], engine.ranges[link] is None, [*loc, "answer", 0], errors)
        )
    if errors:
        raise InvalidInput("The QuestionnaireResponse is not acceptable; see errors.", errors=errors)
    return answers


def _value(answer: Mapping[str, Any], yes_no: bool, loc: list[str | int], errors: list[dict[str, Any]]) -> Any:
    if yes_no:
        coding = answer.get("valueCoding")
        if (
            isinstance(coding, dict)
            and (found := _ANSWER_OF.get((coding.get("system", ""), coding.get("code", "")))) is not None
        ):
            return found
        if "valueBoolean" in answer and isinstance(answer["valueBoolean"], bool):
            return answer["valueBoolean"]
        errors.append(
            {
                "loc": loc,
                "msg": "a yes/no question takes valueCoding v2-0136 Y or N, or data-absent-reason asked-unknown",
            }
        )
        return None
    value = answer.get("valueInteger")
    if type(value) is not int:
        errors.append({"loc": loc, "msg": "this question takes valueInteger"})
        return None
    return value


def guidance_response(result: Mapping[str, Any], *, base: str) -> dict[str, Any]:
    """A triage result as a GuidanceResponse; its output Parameters carry the level, timeframe, advice,
    reasons with their sources, and the ruleset version."""
    parameters: list[dict[str, Any]] = []
    if result["level"] is not None:
        level = {"system": f"{base}{LEVEL_SYSTEM_PATH}", "code": result["level"], "display": result["title"]}
        timeframe = {
            "system": f"{base}{TIMEFRAME_SYSTEM_PATH}",
            "code": result["timeframe"],
            "display": TIMEFRAMES[result["timeframe"]][0],
        }
        parameters += [{"name": "level", "valueCoding": level}, {"name": "timeframe", "valueCoding": timeframe}]
    parameters += [
        {"name": "title", "valueString": result["title"]},
        {"name": "advice", "valueString": result["advice"]},
    ]
    for reason in result["reasons"]:
        parts: list[dict[str, Any]] = [
            {"name": "level", "valueCoding": {"system": f"{base}{LEVEL_SYSTEM_PATH}", "code": reason["level"]}},
            {"name": "explanation", "valueString": reason["explanation"]},
        ]
        parts += [{"name": "question", "valueString": part["question_id"]} for part in reason["parts"]]
        parts += [{"name": "source", "valueUri": f"{base}/v1/sources/{s['source']}"} for s in reason["sources"]]
        parameters.append({"name": "reason", "part": parts})
    parameters += [{"name": "red-flag", "valueUri": f"{base}/v1/symptoms/{slug}"} for slug in result["red_flags"]]
    parameters += [{"name": "safety-net", "valueString": line} for line in result["safety_net"]]
    parameters += [
        {"name": "disclaimer", "valueString": result["disclaimer"]},
        {"name": "ruleset-version", "valueString": str(result["ruleset_version"])},
    ]
    resource: dict[str, Any] = {
        "resourceType": "GuidanceResponse",
        "contained": [{"resourceType": "Parameters", "id": "result", "parameter": parameters}],
        "moduleUri": f"{base}{QUESTIONNAIRE_PATH}",
        "status": "success" if result["complete"] else "data-required",
        "note": [{"text": result["advice"]}],
        "outputParameters": {"reference": "#result"},
    }
    if not result["complete"]:
        resource["dataRequirement"] = [
            {"type": "QuestionnaireResponse", "codeFilter": [{"path": "item.linkId", "code": [{"code": q["id"]}]}]}
            for q in result["next_questions"]
        ]
    return resource


def _fhirpath(loc: Sequence[str | int]) -> str:
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    return f"QuestionnaireResponse.{path}" if path else "QuestionnaireResponse"


def operation_outcome(error: AppError) -> dict[str, Any]:
    """A refused request as an OperationOutcome: one issue per reason."""
    code = "invalid" if error.status in (400, 422) else "processing"
    issues = [
        {
            "severity": "error",
            "code": code,
            "diagnostics": item["msg"],
            "expression": [_fhirpath(item["loc"][1:])],
        }
        for item in error.errors or []
    ]
    return {
        "resourceType": "OperationOutcome",
        "issue": issues or [{"severity": "error", "code": code, "diagnostics": error.detail}],
    }
