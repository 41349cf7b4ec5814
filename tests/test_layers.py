"""The layer contracts in ``.importlinter`` hold (house style; issue 14): nothing below
screens/widgets imports Textual, the lower layers never import the UI, widgets never
import screens, screens take the enums from ``store.enums``."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"


def test_import_contracts_are_kept():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(CONFIG, encoding="utf-8")
    contracts = [s for s in parser.sections() if s.startswith("importlinter:contract:")]
    assert contracts, f"no contracts in {CONFIG}"

    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache", "--no-logo", str(CONFIG)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Every contract was checked (a config that names none would also exit 0).
    assert re.search(rf"Contracts: {len(contracts)} kept, 0 broken", output), output
