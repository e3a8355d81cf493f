"""Turn Allure results into one HTML file that opens from disk (``file://``), with Allure Report 3.

Usage: python tools/make_report.py [RESULTS_DIR [OUTPUT_DIR]]

tox's report env installs nothing, so this loads ringcheck's drawing code from the checkout.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ringcheck.html_report import draw  # noqa: E402 - after the checkout is on the path


def main(argv: list[str]) -> int:
    results = Path(argv[0] if argv else "reports/allure-results")
    output = Path(argv[1] if len(argv) > 1 else "reports/html")
    return draw(results, output, ROOT / "tools" / "allure", "make_report", "tox -e suite")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
