"""Clinical codes on content: the code systems we accept, the shape of their codes, and lookup by code."""

import re
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator
from stdnum import verhoeff

from app.core.errors import InvalidInput
from app.core.text import TEXT_PATTERN

SNOMED_CT = "http://snomed.info/sct"
ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD_10 = "http://hl7.org/fhir/sid/icd-10"
CodeSystemUri = Literal["http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10"]
SYSTEMS: tuple[str, ...] = (SNOMED_CT, ICD_10_CM, ICD_10)
# The HL7 OIDs of the same systems, as Infobutton requests name them.
OIDS = {
    "2.16.840.1.113883.6.96": SNOMED_CT,
    "2.16.840.1.113883.6.90": ICD_10_CM,
    "2.16.840.1.113883.6.3": ICD_10,
}
SYSTEM_NAMES = {SNOMED_CT: "SNOMED CT", ICD_10_CM: "ICD-10-CM", ICD_10: "ICD-10"}
CODE_MAX_LENGTH = 18
TOKEN_MAX_LENGTH = 100

# SNOMED CT concept ids: 6 to 18 digits, no leading zero, partition 00 or 10, Verhoeff check digit last.
_SNOMED = re.compile(r"[1-9][0-9]{5,17}")
# ICD-10-CM: a letter (not U), a digit, a digit or letter, then up to four more after the dot.
_ICD_10_CM = re.compile(r"[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")
# ICD-10 (WHO): a letter, two digits, and at most one digit after the dot.
_ICD_10 = re.compile(r"[A-Z][0-9]{2}(\.[0-9])?")


def normalise(system: str, code: str) -> str:
    """A code as we store and compare it: ICD codes in capitals with their dot (`m62830` is `M62.830`)."""
    code = code.strip()
    if system == SNOMED_CT:
        return code
    code = code.upper()
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    return code


def shape_problem(system: str, code: str) -> str | None:
    """Why a (normalised) code cannot be a code of its system; None when its shape is right."""
    if system == SNOMED_CT:
        if not _SNOMED.fullmatch(code):
            return "a SNOMED CT concept id is 6 to 18 digits, without a leading zero"
        if code[-3:-1] not in ("00", "10"):
            return "not a SNOMED CT concept id (its partition is not 00 or 10)"
        if not verhoeff.is_valid(code):
            return "not a SNOMED CT id: its check digit is wrong"
        return None
    if system == ICD_10_CM:
        return None if _ICD_10_CM.fullmatch(code) else "not an ICD-10-CM code (for example M62.830)"
    if system == ICD_10:
        return None if _ICD_10.fullmatch(code) else "not an ICD-10 code (for example M62.8)"
    return f"unknown code system; use one of {', '.join(SYSTEMS)}"


def ancestors(system: str, code: str) -> list[str]:
    """The code and every ICD category above it (`M62.830`, `M62.83`, `M62.8`, `M62`); SNOMED CT: the code."""
    if system == SNOMED_CT:
        return [code]
    found = [code]
    while len(code) > 3:
        code = code[:-1].removesuffix(".")
        found.append(code)
    return found


def token(system: str, code: str) -> str:
    """The `system|code` form that list filters and facets use."""
    return f"{system}|{code}"


def parse_token(value: str, *, loc: tuple[str, ...] = ("query", "code")) -> str:
    """A `system|code` query value, checked and normalised; InvalidInput when it is not one."""
    system, bar, code = value.partition("|")
    problem = None
    if not bar or not code.strip():
        problem = "give the code as <system>|<code>, for example http://hl7.org/fhir/sid/icd-10-cm|M62.830"
    elif system not in SYSTEMS:
        problem = f"unknown code system; use one of {', '.join(SYSTEMS)}"
    else:
        code = normalise(system, code)
        problem = shape_problem(system, code)
    if problem is not None:
        raise InvalidInput("The code is not acceptable; see errors.", errors=[{"loc": list(loc), "msg": problem}])
    return token(system, code)


class Code(BaseModel):
    """A clinical code for an item, in a code system named by its FHIR URI."""

    system: CodeSystemUri = Field(description="The code system, as its FHIR URI.", examples=[ICD_10_CM])
    code: Annotated[str, Field(min_length=1, max_length=CODE_MAX_LENGTH)] = Field(
        description="The code; ICD codes with their dot, SNOMED CT concept ids with a valid check digit.",
        examples=["M62.830"],
    )
    display: Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)] = Field(
        description="The code system's own name for the code.", examples=["Muscle spasm of back"]
    )

    @model_validator(mode="after")
    def _shape(self) -> "Code":
        self.code = normalise(self.system, self.code)
        if (problem := shape_problem(self.system, self.code)) is not None:
            raise ValueError(problem)
        return self
