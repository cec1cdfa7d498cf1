"""One line per outcome of `pip-audit --format json` for `make audit`: no advisories, the advisories found,
or that the advisory database could not be reached (an audit that did not run is not a clean one).

Usage: python tools/audit/pip_audit_summary.py REPORT.json LOG; exits 1 unless every package was audited
and none has an advisory."""

import json
import sys

UNREACHABLE = "could not reach the advisory database; nothing was audited"
NETWORK_ERRORS = ("ConnectionError", "ProxyError", "Max retries", "timed out")


def main(report: str, log: str) -> int:
    try:
        with open(report, encoding="utf-8") as found:
            dependencies = json.load(found)["dependencies"]
    except (OSError, ValueError, KeyError):
        dependencies = []
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d]
    advisories = [(d, v) for d in audited for v in d["vulns"]]
    if not audited:
        with open(log, encoding="utf-8", errors="replace") as logged:
            unreachable = any(word in logged.read() for word in NETWORK_ERRORS)
        if skipped:
            print(f"pip-audit (uv.lock): {UNREACHABLE} (every lookup failed: {skipped[0]['skip_reason']})")
        elif unreachable:
            print(f"pip-audit (uv.lock): {UNREACHABLE} (details: {log})")
        else:
            print(f"pip-audit (uv.lock): failed (details: {log})")
        return 1
    if not advisories and not skipped:
        print(f"pip-audit (uv.lock): no known vulnerabilities in {len(audited)} packages")
        return 0
    print(f"pip-audit (uv.lock): {len(advisories)} advisories, {len(skipped)} packages not audited")
    for d, v in advisories:
        print(f"  {d['name']} {d['version']}: {v['id']}, fixed in {', '.join(v['fix_versions']) or 'no release yet'}")
    for d in skipped:
        print(f"  {d['name']}: {d['skip_reason']}")
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
