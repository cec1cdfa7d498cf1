"""Access-log hygiene: what a URL's query string carries (search terms, a key pasted into a URL) is not logged."""

import logging
import re

# Values of these parameters are redacted wherever they appear: search terms are personal, keys are secrets.
_SECRET_PARAMETER = re.compile(r"([?&])(q|api_key|apikey|key|token|access_token)=[^&#\s]*", re.IGNORECASE)
_KEY = re.compile(r"bpk_[A-Za-z0-9_\-]+")


def redact(target: str) -> str:
    """A request target with secret and personal query values replaced by `[redacted]`."""
    if "?" not in target:
        return target
    path, _, query = target.partition("?")
    query = _SECRET_PARAMETER.sub(r"\1\2=[redacted]", "?" + query)[1:]
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
