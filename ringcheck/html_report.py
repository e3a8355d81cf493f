"""Drawing the single-file HTML report from Allure results, for ``ringcheck report`` and for
``tools/make_report.py`` (tox's report env, which installs nothing): standard library only.

The Allure command line is an npm package pinned in the tool's package-lock.json and installed
with ``npm ci`` on first use, so every machine draws the same report.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def draw(results: Path, output: Path, tool: Path, who: str, first: str) -> int:
    """Draw ``output/index.html`` from ``results`` with the Allure CLI in ``tool``; an exit status.
    ``who`` names the caller in messages, ``first`` is the command that makes results."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        print(
            f"{who}: Node.js 20+ and npm are needed to draw the HTML report, and were not found.\n"
            "  Install Node.js 20 or newer (Debian: apt-get install nodejs npm), then run again.\n"
            f"  The raw results are in {results}/ either way.",
            file=sys.stderr,
        )
        return 2
    if not results.is_dir() or not any(results.iterdir()):
        print(f"{who}: {results}/ holds no results; run `{first}` first", file=sys.stderr)
        return 2
    cli = tool / "node_modules" / ".bin" / "allure"
    if not cli.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(tool)], check=True)
    shutil.rmtree(output, ignore_errors=True)
    command = [str(cli), "generate", str(results), "--output", str(output), "--config", str(tool / "allurerc.json")]
    subprocess.run(command, check=True)
    # Allure exits 0 even when a plugin fails (a bad category regex did): look for the file itself.
    if not (output / "index.html").is_file():
        print(f"{who}: Allure wrote no {output / 'index.html'}; its messages above say why.", file=sys.stderr)
        return 1
    print(f"{who}: open {output / 'index.html'} in a browser")
    return 0
