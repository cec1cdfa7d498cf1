"""One warning when something the service depends on starts failing, and one when it answers again."""

import logging
from collections.abc import Callable


class Outage:
    """Tracks whether a dependency is failing, and logs only the changes: a poll or a request that fails
    a thousand times in an outage writes one line when it begins and one when it ends."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        began: str,
        ended: str,
        changed: Callable[[bool], None] | None = None,
    ) -> None:
        """`began` is a %-format for the exception's class name; `changed` hears each change (for a gauge)."""
        self.logger = logger
        self.began = began
        self.ended = ended
        self.changed = changed
        self.failing = False

    def failed(self, exc: BaseException) -> None:
        """An attempt failed: says so if the dependency was answering until now."""
        if not self.failing:
            self.failing = True
            self.logger.warning(self.began, type(exc).__name__)
            if self.changed is not None:
                self.changed(True)

    def answered(self) -> None:
        """An attempt succeeded: says so if the dependency was failing until now."""
        if self.failing:
            self.failing = False
            self.logger.warning(self.ended)
            if self.changed is not None:
                self.changed(False)
