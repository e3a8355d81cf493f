"""Turn Allure results into one HTML file that opens from disk (``file://``), with Allure Report 3.

Usage: python tools/make_report.py [RESULTS_DIR [OUTPUT_DIR]]

The Allure command line is an npm package pinned in tools/allure/package-lock.json and installed
with ``npm ci`` on first use, so every machine draws the same report.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parent / "allure"


def main(argv: list[str]) -> int:
    results = Path(argv[0] if argv else "reports/allure-results")
    output = Path(argv[1] if len(argv) > 1 else "reports/html")
    if shutil.which("node") is None or shutil.which("npm") is None:
        print(
            "make_report: Node.js and npm are needed to draw the HTML report, and were not found.\n"
            "  Install Node.js 20 or newer (Debian: apt-get install nodejs npm), then run again.\n"
            f"  The raw results are in {results}/ either way.",
            file=sys.stderr,
        )
        return 2
    if not results.is_dir() or not any(results.iterdir()):
        print(f"make_report: {results}/ holds no results; run the suite first (tox -e suite).", file=sys.stderr)
        return 2
    cli = TOOL / "node_modules" / ".bin" / "allure"
    if not cli.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(TOOL)], check=True)
    shutil.rmtree(output, ignore_errors=True)
    subprocess.run(
        [str(cli), "generate", str(results), "--output", str(output), "--config", str(TOOL / "allurerc.json")],
        check=True,
    )
    if not (output / "index.html").is_file():
        print(f"make_report: Allure wrote no {output / 'index.html'}; its messages above say why.", file=sys.stderr)
        return 1
    print(f"make_report: open {output / 'index.html'} in a browser")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
