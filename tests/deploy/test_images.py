"""Every image the deployment pulls is pinned by digest: a tag alone may point at another image tomorrow."""

import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PINNED = re.compile(r"[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}")


def test_every_stage_of_the_dockerfile_starts_from_one_pinned_base() -> None:
    bases = re.findall(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert len(bases) == 2
    assert len(set(bases)) == 1, "both stages start from the same image"
    assert PINNED.fullmatch(bases[0]), bases[0]
    assert bases[0].startswith("python:3.11-slim@")


def test_every_image_compose_pulls_is_pinned() -> None:
    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    pulled = {name: service["image"] for name, service in services.items() if "build" not in service}
    assert set(pulled) == {"postgres", "redis", "proxy"}
    for name, image in pulled.items():
        assert PINNED.fullmatch(image), f"{name}: {image}"
