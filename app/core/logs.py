"""Access-log hygiene: a query value is logged only for parameters known to carry nothing personal.

Search terms, codes and the Infobutton's patient context (`mainSearchCriteria.*`, `age.*`,
`patientPerson.*`) describe a person; keys are secrets. Parameters are judged by their decoded name
(`%71` is `q`), and any value of any other name, known or not, is written as `[redacted]`."""

import logging
import re
from urllib.parse import unquote_plus

# Parameters whose values are paging, filters by our own vocabulary, or formats: safe to log as sent.
_SHOWN = frozenset(
    {
        "category",
        "condition",
        "cursor",
        "end_previous",
        "informationrecipient",
        "informationrecipient.languagecode.c",
        "knowledgeresponsetype",
        "limit",
        "recommendation",
        "red_flag",
        "since",
        "type",
    }
)
_KEY = re.compile(r"bpk_[A-Za-z0-9_\-]+")


def _logged(pair: str) -> str:
    name, equals, value = pair.partition("=")
    if value and unquote_plus(name).strip().lower() not in _SHOWN:
        value = "[redacted]"
    return f"{name}{equals}{value}"


def redact(target: str) -> str:
    """A request target with every query value that may be personal or secret replaced by `[redacted]`,
    and anything that looks like a key, wherever it is in the query, too."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    query = "&".join(_logged(pair) for pair in query.split("&"))
    return f"{path}?{_KEY.sub('bpk_[redacted]', query)}"


class RedactQueries(logging.Filter):
    """Rewrites uvicorn's access-log record (client, method, target, version, status) before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact(args[2]), args[3], args[4])
        return True


def install_log_redaction() -> None:
    """Redact the access log of this process (each worker runs this when it builds the app)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, RedactQueries) for existing in access.filters):
        access.addFilter(RedactQueries())
