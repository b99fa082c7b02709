"""Every module imports on its own: no import cycle hides behind the order `bot.app` uses.

A cycle shows only when a module is the first of its cycle to be imported (e.g. a script or
a test importing `bot.lookalike` directly), so each module is imported into an interpreter
that has none of ours loaded yet.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "probes", "storage")

# One interpreter for all modules: before each import, every module of ours is forgotten.
_SCRIPT = """
import importlib, sys
failures = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m.split(".")[0] in {"bot", "probes", "storage"}]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:
        failures.append(f"{name}: {type(error).__name__}: {error}")
print("\\n".join(failures))
"""


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__main__":
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_first() -> None:
    modules = _modules()
    assert "bot.lookalike" in modules and "storage.store" in modules
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
