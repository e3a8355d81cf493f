"""Allure results as a product owner should read them, written once the run is over.

allure-pytest-bdd records a strict expected failure as "skipped", which reads as "not run";
ringcheck's known differences ran and differed, so they become status ``unknown`` with the
reason first, and the report's categories (tools/allure/allurerc.json) file them under "Known
differences". Failure messages start with the plain words, not the exception's class name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

XFAIL = re.compile(r"^XFAIL\s*")
EXCEPTION_PREFIX = re.compile(r"^(?:AssertionError|[A-Za-z_.]*(?:Error|Exception|Refused|Timeout)): ")
KNOWN = "Known difference: "


def honest(result: dict[str, Any]) -> dict[str, Any]:
    """One test result with its outcome named for what happened."""
    details = result.get("statusDetails") or {}
    message = str(details.get("message") or "")
    if result.get("status") == "skipped" and XFAIL.match(message):
        reason = XFAIL.sub("", message).removeprefix("known difference of ")
        result["status"] = "unknown"
        details["message"] = KNOWN + reason
    elif result.get("status") in ("failed", "broken") and message:
        details["message"] = EXCEPTION_PREFIX.sub("", message, count=1)
    if details:
        result["statusDetails"] = details
    return result


def rewrite(folder: Path) -> int:
    """Rewrite every result file in ``folder``; returns how many were known differences."""
    known = 0
    for path in folder.glob("*-result.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        before = result.get("status")
        result = honest(result)
        known += before == "skipped" and result.get("status") == "unknown"
        path.write_text(json.dumps(result), encoding="utf-8")
    return known
