"""MkDocs hook: the configuration reference, generated from the Settings field descriptions."""

from typing import Any

from app.core.config import Settings

MARKER = "<!-- settings-table -->"


def _default(value: Any) -> str:
    return "unset" if value is None else f"`{str(value).lower() if isinstance(value, bool) else value}`"


def settings_table() -> str:
    """One row per setting: its environment variable, default and description."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{name.upper()}` | {_default(field.default)} | {description} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Fill in the table where a page asks for it."""
    return markdown.replace(MARKER, settings_table()) if MARKER in markdown else markdown
