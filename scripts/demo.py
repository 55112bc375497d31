"""`make demo`: plan → apply → plan-shows-no-changes for brands/demo on the embedded sandbox.

Starts from a fresh sandbox each time (the demo's .omsform/ is reset) and sets demo values for
the brand's secrets when the environment does not provide them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRAND = Path("brands/demo")
DEMO_SECRETS = {
    "DEMO_OMNITRON_PASSWORD": "demo-omnitron-password",
    "DEMO_MAPS_API_KEY": "demo-maps-key",
    "DEMO_CARRIER_PASSWORD": "demo-carrier-password",
    "DEMO_STOCK_PASSWORD": "demo-stock-password",
    "DEMO_WEBHOOK_SECRET": "demo-webhook-secret",
    "DEMO_GINESYS_WEBHOOK_SECRET": "demo-ginesys-webhook-secret",
    "DEMO_GINESYS_API_KEY": "demo-ginesys-api-key",
}


def omsform(*args: str) -> int:
    """Run the installed console script, showing the command like a terminal session."""
    print(f"\n$ omsform {' '.join(args)}", flush=True)
    exe = Path(sys.executable).with_name("omsform")
    return subprocess.call([str(exe), *args], cwd=ROOT)


def main() -> int:
    """The demo; exit status 0 only when the last plan shows no changes."""
    os.environ.update({k: v for k, v in DEMO_SECRETS.items() if k not in os.environ})
    shutil.rmtree(ROOT / BRAND / ".omsform", ignore_errors=True)
    steps = [
        (("validate", str(BRAND)), {0}),
        (("plan", str(BRAND), "--sandbox", "--detailed-exitcode"), {2}),
        (("apply", str(BRAND), "--sandbox", "--auto-approve"), {0}),
        (("plan", str(BRAND), "--sandbox", "--detailed-exitcode"), {0}),
    ]
    for args, expected in steps:
        code = omsform(*args)
        if code not in expected:
            print(f"\ndemo failed: `omsform {' '.join(args)}` exited {code}", file=sys.stderr)
            return 1
    print("\nDemo finished: the second plan shows no changes.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
