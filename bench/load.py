"""Load generators: Debian's wrk when installed, otherwise a small asyncio keep-alive client."""

import asyncio
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass

CONNECTIONS = 32


@dataclass(frozen=True)
class Result:
    """Throughput and tail latency of one measurement."""

    rps: float
    p99_ms: float


def run_load(port: int, path: str, headers: dict[str, str], seconds: float, body: bytes | None = None) -> Result:
    """Drive path on 127.0.0.1:port with 32 connections: a GET, or a POST of body when given."""
    if shutil.which("wrk"):
        return _wrk(port, path, headers, seconds, body)
    return asyncio.run(_python_load(port, path, headers, seconds, body))


def _wrk(port: int, path: str, headers: dict[str, str], seconds: float, body: bytes | None) -> Result:
    args = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if body is not None:
            script.write(f'wrk.method = "POST"\nwrk.body = [[{body.decode()}]]\n')
            script.flush()
            args += ["-s", script.name]
        url = f"http://127.0.0.1:{port}{path}"
        out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return Result(rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit])


async def _python_load(port: int, path: str, headers: dict[str, str], seconds: float, body: bytes | None) -> Result:
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    if body is not None:
        extra += f"Content-Length: {len(body)}\r\n"
    method = "GET" if body is None else "POST"
    request = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode() + (body or b"")
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"content-length: (\d+)", head.lower())
            if length:
                await reader.readexactly(int(length.group(1)))
            latencies.append(time.perf_counter() - start)
        writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    elapsed = time.perf_counter() - began
    return Result(len(latencies) / elapsed, statistics.quantiles(latencies, n=100)[98] * 1000)
