"""Cheap checks of the PyInstaller bundle's recipe (packaging/). The build itself and its smoke test
run in CI after the test suite (packaging/build_bundle.sh, packaging/smoke_bundle.sh), not here.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SOURCE_DIRS = ("app", "core", "models", "ui", "capture")
# Dev-only tooling that the bundle leaves out on purpose: benchmark plots need matplotlib (the
# `dev` extra). Anything else importing an excluded module would break in the bundle.
EXCLUDED_IMPORT_ALLOWED = {"app/bench/qa_plots.py", "app/bench/screenday/report.py"}


@pytest.fixture(scope="module")
def cfg() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_config", PACKAGING / "bundle_config.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pyproject() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_spec_and_scripts_parse() -> None:
    spec = (PACKAGING / "reverie.spec").read_text(encoding="utf-8")
    tree = ast.parse(spec)
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= calls
    assert "launcher.py" in spec and "hooks" in spec
    for hook in (PACKAGING / "hooks").glob("hook-*.py"):
        ast.parse(hook.read_text(encoding="utf-8"))
    for script in ("build_bundle.sh", "smoke_bundle.sh"):
        subprocess.run(["bash", "-n", str(PACKAGING / script)], check=True)


def test_launcher_calls_the_cli_main() -> None:
    names = _imports(PACKAGING / "launcher.py")
    assert "reverie.cli" in names
    assert "main()" in (PACKAGING / "launcher.py").read_text(encoding="utf-8")


def test_every_installed_bundled_model_is_collected(cfg: ModuleType) -> None:
    from reverie.models import embedder, model_manager

    collected = set(cfg.DATA_ONLY_MODEL_PACKAGES) | set(cfg.MODULE_MODEL_PACKAGES)
    shipped = [m for m in model_manager.BUNDLED if model_manager.find_parts(m) is not None]
    assert model_manager.QWEN_CODER_0_5B in shipped, "the default LLM's part packages are not installed"
    for model in shipped:
        missing = {package for package, _ in model.parts} - collected
        assert not missing, f"{model.name}: parts {sorted(missing)} would be missing from the bundle"
    # importlib.resources needs a real package: it must be collected as a module, not as bare data.
    assert embedder.MODEL_PACKAGE in cfg.MODULE_MODEL_PACKAGES


def test_no_source_module_imports_something_the_bundle_excludes(cfg: ModuleType) -> None:
    excluded = set(cfg.EXCLUDES)
    offenders = []
    for top in SOURCE_DIRS:
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            for name in _imports(path):
                parts = name.split(".")
                hit = {".".join(parts[: i + 1]) for i in range(len(parts))} & excluded
                if hit and rel not in EXCLUDED_IMPORT_ALLOWED:
                    offenders.append(f"{rel}: {name}")
    assert not offenders


def test_ui_uses_only_the_collected_qt_modules(cfg: ModuleType) -> None:
    used = set()
    for top in SOURCE_DIRS:
        for path in (ROOT / top).rglob("*.py"):
            used |= {n for n in _imports(path) if n.startswith("PySide6.")}
    assert used, "no PySide6 import found: the scan is broken"
    assert used <= set(cfg.QT_MODULES_USED), sorted(used - set(cfg.QT_MODULES_USED))


def test_every_source_package_is_in_the_wheel() -> None:
    """The bundle (like `pip install .`) is built from a wheel: a package missing from pyproject's
    explicit `packages` list silently drops out of both."""
    tool = _pyproject()["tool"]["setuptools"]
    mapping = {Path(d): pkg for pkg, d in tool["package-dir"].items()}
    listed = set(tool["packages"])
    found = set()
    for directory, package in mapping.items():
        for init in (ROOT / directory).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / directory)
            if "__pycache__" in rel.parts:
                continue
            found.add(".".join((package, *rel.parts)))
    assert found - listed == set(), f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_package_walkers_on_a_staged_tree(cfg: ModuleType, tmp_path: Path) -> None:
    pkg = tmp_path / "reverie"
    (pkg / "core" / "__pycache__").mkdir(parents=True)
    (pkg / "data").mkdir()
    for rel in ("__init__.py", "cli.py", "core/__init__.py", "core/store.py", "data/__init__.py"):
        (pkg / rel).write_text("", encoding="utf-8")
    (pkg / "core" / "__pycache__" / "store.cpython-311.pyc").write_bytes(b"")
    (pkg / "data" / "icon.svg").write_text("<svg/>", encoding="utf-8")
    (pkg / "py.typed").write_text("", encoding="utf-8")

    assert set(cfg.package_modules(tmp_path, "reverie")) == {
        "reverie", "reverie.cli", "reverie.core", "reverie.core.store", "reverie.data"}
    assert sorted(cfg.package_data(tmp_path, "reverie")) == [
        (str(pkg / "data" / "icon.svg"), "reverie/data"), (str(pkg / "py.typed"), "reverie")]


def test_chromadb_filter_keeps_the_local_client_and_drops_the_distributed_parts(cfg: ModuleType) -> None:
    keep = cfg.keep_chromadb_module
    assert keep("chromadb.api.rust") and keep("chromadb.db.impl.sqlite") and keep("chromadb.telemetry.product.posthog")
    assert keep("chromadb.testing_helpers")  # a prefix match on a whole name only
    assert not keep("chromadb.test") and not keep("chromadb.test.property.strategies")
    assert not keep("chromadb.segment.impl.distributed.segment_directory")


def test_ci_builds_and_smoke_tests_the_bundle_after_the_suite() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    suite = ci.index("bash tests/run.sh")
    assert suite < ci.index("packaging/build_bundle.sh") < ci.index("packaging/smoke_bundle.sh")
    assert "REVERIE_SKIP_BUNDLE" in ci


@pytest.mark.skipif(sys.platform != "linux", reason="the smoke script hides Linux paths")
def test_smoke_script_checks_the_promised_things() -> None:
    smoke = (PACKAGING / "smoke_bundle.sh").read_text(encoding="utf-8")
    for needle in ("--version", "doctor --json", "add --type", "search", "ingest-frames", "ask",
                   "serve", "gui --idle-probe", "gui --screenshot", "env -i", "libpython", "unshare"):
        assert needle in smoke, needle
