#!/usr/bin/env python3
"""The two commands of the quick start, with nothing but Python 3.11 installed:

    python3 dev.py start   # set up .venv, then run the bot (console chat on demo data without BOT_TOKEN)
    python3 dev.py test    # set up .venv, then run the quick benchmarks and the whole test suite

For contributors: `python3 dev.py i18n` re-extracts the messages, merges them into the zh_CN
catalogue and compiles it (translate the new entries in locale/zh_CN/LC_MESSAGES/messages.po).

Set-up is idempotent: the virtual environment is refreshed only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".installed"


def setup() -> None:
    """Create .venv and install the project with its test extras when pyproject.toml changed."""
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 or newer is needed")
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text() == want:
        return
    if not PY.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing dependencies (first run only) …", flush=True)
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", ".[test,redis]"],
                   cwd=ROOT, check=True)
    STAMP.write_text(want)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("start", "test", "i18n"):
        print(__doc__)
        return 2
    setup()
    os.chdir(ROOT)
    if argv[0] == "i18n":
        return i18n()
    if argv[0] == "start":
        env_token = os.environ.get("BOT_TOKEN") or _dotenv_token()
        command = ["run"] if env_token else ["console", *argv[1:]]
        return subprocess.call([str(PY), "-m", "bot", *command])
    # The benchmarks at a tenth of their size first (they prove the bench still works; no timing is judged),
    # then the whole test suite, whose summary line closes the run.
    bench = subprocess.call([str(PY), "-m", "bench", "all", "--quick", "--no-write"])
    code = subprocess.call([str(PY), "-m", "pytest", *argv[1:]])
    return code or bench


I18N_SOURCES = ["bot", "handlers", "services"]


def i18n() -> int:
    """Extract → update → compile the gettext catalogue."""
    babel = [str(PY), "-m", "babel.messages.frontend"]
    pot, po_dir = "locale/messages.pot", "locale"
    steps = [
        [*babel, "extract", "-k", "N_", "--no-location", "--omit-header", "--sort-output", "-o", pot, *I18N_SOURCES],
        [*babel, "update", "-i", pot, "-d", po_dir, "-l", "zh_CN", "--no-fuzzy-matching", "--ignore-obsolete",
         "-w", "120"],
        [*babel, "compile", "-d", po_dir, "-l", "zh_CN"],
    ]
    for step in steps:
        if subprocess.call(step) != 0:
            return 1
    return 0


def _dotenv_token() -> str | None:
    env = ROOT / ".env"
    if not env.exists():
        return None
    for line in env.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("BOT_TOKEN=") and line.split("=", 1)[1].strip():
            return line.split("=", 1)[1].strip()
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
