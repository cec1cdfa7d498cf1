"""The baseline: a bare ASGI app that answers with bytes captured from the real API."""

import json
import os
from typing import Any

import orjson

Prepared = tuple[int, list[tuple[bytes, bytes]], bytes]


def _load() -> dict[tuple[str, bytes, bool], Prepared]:
    with open(os.environ["BENCH_CAPTURE"], encoding="utf-8") as handle:
        captured: list[dict[str, Any]] = json.load(handle)
    return {
        (c["path"], c["if_none_match"].encode(), c["keyed"]): (
            c["status"],
            [(k.encode(), v.encode()) for k, v in c["headers"]],
            c["body"].encode(),
        )
        for c in captured
    }


_RESPONSES = _load()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The captured response: for a POST, once its JSON body has been read and parsed."""
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        orjson.loads(b"".join(chunks))
    if_none_match = b""
    keyed = False
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            if_none_match = value
        elif name == b"authorization":
            keyed = True
    status, headers, body = _RESPONSES[(scope["path"], if_none_match, keyed)]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
