"""Building a snapshot: the cyclic collector waits while it is built, and is on again after, however
the build ends."""

import gc
from pathlib import Path
from typing import Any

import pytest

from app.core.db import make_engine
from app.serving import snapshot
from app.serving.snapshot import SnapshotStore
from tests.helpers.databases import migrate_and_seed


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> SnapshotStore:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('snapshot'), 'api.db')}"
    migrate_and_seed(url)
    return SnapshotStore(make_engine(url), cache_control=b"no-cache")


def test_the_collector_waits_while_a_snapshot_is_built(store: SnapshotStore, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    build = snapshot.Snapshot.build

    def watched(*args: Any, **kwargs: Any) -> snapshot.Snapshot:
        seen.append(gc.isenabled())
        return build(*args, **kwargs)

    monkeypatch.setattr(snapshot.Snapshot, "build", watched)
    store.current = None
    assert store.refresh()
    assert seen == [False]
    assert gc.isenabled()


def test_a_failed_build_leaves_the_collector_on(store: SnapshotStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> snapshot.Snapshot:
        raise RuntimeError("build failed")

    monkeypatch.setattr(snapshot.Snapshot, "build", broken)
    store.current = None
    with pytest.raises(RuntimeError):
        store.refresh()
    assert gc.isenabled()
