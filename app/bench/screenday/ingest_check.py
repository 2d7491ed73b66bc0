"""Secrets check of the capture stage alone: a day's frames through `ingest-frames`, then the scan.

    python -m reverie.bench.screenday.ingest_check DAY_DIR

Memories are written only from what capture stored, so a day whose stored frames hold none of its
secrets cannot leak them later; this reruns that stage in a minute or two instead of the hour the
whole benchmark takes with its LLM stages.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from reverie.bench.screenday import metrics
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore


def check(day_dir: Path) -> dict[str, Any]:
    from reverie.bench.screenday.run import _decrypted_secrets
    from reverie.capture_runtime import default_ocr, privacy_policy
    from reverie.frame_ingest import ingest_dir
    from reverie.settings import Settings

    day = json.loads((day_dir / "day.json").read_text())
    matcher = metrics.SecretMatcher(day["secrets"])
    with tempfile.TemporaryDirectory(prefix="reverie-ingest-check-") as tmp:
        home = Path(tmp) / "home"
        with MemoryStore.open(home, KeyOptions(passphrase="ingest-check", use_keystore=False), None) as store:
            summary = ingest_dir(store, day_dir / "frames", default_ocr(), privacy_policy(Settings()))
            found = _decrypted_secrets(store, matcher)
        files = matcher.scan_files(home)
    return {"day": str(day_dir), "kept": len(summary.stored), "excluded": len(summary.excluded),
            "secrets": len(day["secrets"]), "secrets_in_rows": found["decrypted_rows_secrets"],
            "frames_to_agents_with_secrets": len(found["frames_to_agents_with_secrets"]),
            "files_with_secrets": len(files)}


if __name__ == "__main__":
    print(json.dumps(check(Path(sys.argv[1])), indent=1))
