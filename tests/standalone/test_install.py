"""The repository installs on its own: locked dependencies, a runtime-only `make run`."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)")


def pins(lock: Path) -> dict[str, str]:
    """Package name → pinned version; every pin must carry at least one hash."""
    text = lock.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", text):
        match = _PIN.match(block)
        if match is None:
            continue
        assert "--hash=sha256:" in block, f"{lock.name}: {match['name']} has no hash"
        found[canonicalize_name(match["name"])] = match["version"]
    return found


def declared(*, dev: bool) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    if dev:
        wanted += project["optional-dependencies"]["dev"]
    return [Requirement(line) for line in wanted]


def unlocked(lock: Path, *, dev: bool) -> list[str]:
    """Declared dependencies the lock lacks or pins outside the declared range."""
    locked = pins(lock)
    missing = []
    for requirement in declared(dev=dev):
        version = locked.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            missing.append(f"{requirement} (locked: {version})")
    return missing


def test_every_runtime_dependency_is_locked_with_hashes() -> None:
    assert unlocked(ROOT / "requirements.lock", dev=False) == [], "run `make lock`"


def test_every_dev_dependency_is_locked_with_hashes() -> None:
    assert unlocked(ROOT / "requirements-dev.lock", dev=True) == [], "run `make lock`"


def test_both_locks_pin_the_same_versions() -> None:
    runtime, dev = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime


def make_dry_run(tmp_path: Path, target: str) -> str:
    """The commands `make <target>` would run in a fresh clone (no .venv yet)."""
    for name in ("Makefile", "pyproject.toml", "requirements.lock", "requirements-dev.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    done = subprocess.run(
        ["make", "-n", target], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_make_run_installs_only_the_runtime_lock(tmp_path: Path) -> None:
    commands = make_dry_run(tmp_path, "run")
    assert "pip install -q --require-hashes -r requirements.lock" in commands
    assert "requirements-dev.lock" not in commands
    assert "[dev]" not in commands
    assert "pip install -q --no-deps -e ." in commands


def test_make_test_installs_the_dev_lock(tmp_path: Path) -> None:
    commands = make_dry_run(tmp_path, "test")
    assert "pip install -q --require-hashes -r requirements-dev.lock" in commands
    assert "pip install -q --no-deps -e ." in commands


def test_procfile_declares_the_web_process() -> None:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    assert "web: supportlive run" in lines
