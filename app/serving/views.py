"""The snapshot is every view the domains read it through: each router names what it reads as a Protocol
and casts the snapshot to it, and the assignment below has mypy check, structurally, that a `Snapshot`
satisfies each one. A field or method renamed on either side fails `make lint`."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a check for mypy alone: nothing here runs
    from app.content.router import ContentView
    from app.infobutton.router import InfobuttonView
    from app.search.router import Searchable
    from app.serving.snapshot import Snapshot
    from app.sync.router import SyncView
    from app.triage.router import TriageView

    VIEWS: tuple[type[ContentView], type[TriageView], type[SyncView], type[Searchable], type[InfobuttonView]] = (
        Snapshot,
        Snapshot,
        Snapshot,
        Snapshot,
        Snapshot,
    )
