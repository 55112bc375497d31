"""The README's five-minute tour works as written: every ```sh block of the tour section runs,
in order, in one shell, in a temporary copy of ``brands/demo``.

Conventions the README's tour follows (so a reader sees no test machinery):

- a command line ending in a comment ``# exit N`` (``# exit 2: ~ priority: 99 → 10``) must exit
  with N; every other command must exit 0;
- a line ending in ``\\`` continues on the next line (one command);
- commands share one shell, so ``export`` and ``&`` jobs carry over, and its stdin holds one
  ``yes`` line: the answer to ``apply``'s approval prompt (read from stdin when it is not a
  terminal);
- the served sandbox's port 8700 is replaced with a free port, so the test can run beside a
  ``make sandbox``; ``. .venv/bin/activate`` puts this interpreter's ``bin`` on ``PATH``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOUR = "## A five-minute tour"
EXIT = re.compile(r"#\s*exit (\d+)\b")
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)


def tour_blocks(readme: str) -> list[str]:
    """The ```sh blocks between the tour heading and the next ``## `` heading."""
    start = readme.index(TOUR)
    end = readme.find("\n## ", start + len(TOUR))
    return BLOCK.findall(readme[start : end if end != -1 else None])


def commands(block: str) -> list[str]:
    """One entry per command: continuation lines joined, comment-only lines dropped."""
    out: list[str] = []
    pending = ""
    for line in block.splitlines():
        pending += line + "\n"
        if line.rstrip().endswith("\\"):
            continue
        if pending.strip() and not pending.lstrip().startswith("#"):
            out.append(pending.rstrip("\n"))
        pending = ""
    return out


def expected_exit(command: str) -> int:
    """``N`` from a trailing ``# exit N`` comment on the command's last line, else 0."""
    found = EXIT.search(command.splitlines()[-1])
    return int(found.group(1)) if found else 0


def checked_script(blocks: list[str], port: int) -> str:
    """A bash script that runs every command and stops at the first unexpected exit code."""
    lines = ["set -u"]
    for number, command in enumerate(c for b in blocks for c in commands(b)):
        text = command.replace("8700", str(port))
        want = expected_exit(command)
        shown = shlex.quote(command.splitlines()[0])
        lines += [
            text,
            f"rc=$?; if [ $rc -ne {want} ]; then "
            f'echo "TOUR FAILED: command {number + 1} exited $rc (want {want}): "{shown} >&2; '
            "kill $(jobs -p) 2>/dev/null; exit 100; fi",
        ]
    lines.append("kill $(jobs -p) 2>/dev/null; exit 0")
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_tour_convention_is_read_as_documented() -> None:
    block = "a \\\n  b\n# note\nc --x   # exit 2: changes\nd   # 0 here\n"
    found = commands(block)
    assert found == ["a \\\n  b", "c --x   # exit 2: changes", "d   # 0 here"]
    assert [expected_exit(c) for c in found] == [0, 2, 0]


@pytest.mark.slow
def test_every_command_of_the_readme_tour_works(tmp_path: Path) -> None:
    blocks = tour_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 2, "the tour lost its shell blocks"
    shutil.copytree(
        ROOT / "brands" / "demo",
        tmp_path / "brands" / "demo",
        ignore=shutil.ignore_patterns(".omsform"),
    )
    activate = tmp_path / ".venv" / "bin" / "activate"
    activate.parent.mkdir(parents=True)
    activate.write_text(f"PATH={shlex.quote(str(Path(sys.executable).parent))}:$PATH\n")
    (tmp_path / "tour.sh").write_text(checked_script(blocks, free_port()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEMO_")}
    env.update(NO_COLOR="1", TERM="dumb")
    with subprocess.Popen(
        ["bash", "tour.sh"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # one group: a timeout also ends the served sandbox
    ) as shell:
        try:
            stdout, stderr = shell.communicate("yes\n", timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(shell.pid, signal.SIGKILL)
            stdout, stderr = shell.communicate()
    assert shell.returncode == 0, stderr[-4000:] + stdout[-3000:]
