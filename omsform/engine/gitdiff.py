"""What changed in a brand directory since a git commit, as the brand's files: ``git diff REF``.

Only what ``git`` says is used: the paths that differ between REF and the working tree (staged
or not; renames as a deletion plus an addition, so both names count), the files git does not
track yet (a new resource file not added yet still counts), and a file's text at REF. Every
failure is an :class:`~omsform.errors.OmsformError` that says what to do.

Asking git takes a few processes one after another (``rev-parse``; ``diff`` and ``ls-files``
side by side; one ``show`` per changed file), ~25 ms of mostly waiting: :func:`prefetch` starts
them in a thread as soon as the CLI knows the REF, before its slow imports, and
:class:`BrandDiff` takes their answers (or raises their error) when it gets there. This module
imports nothing slow for that reason.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from omsform.errors import OmsformError
from omsform.lang.partial import scan_text, top_level_kinds

__all__ = [
    "BrandDiff",
    "changed_paths",
    "check_ref",
    "early_diff",
    "ledger_kinds",
    "prefetch",
    "text_at",
    "top_level_kinds",
]
CONFIG_FILES = ("omsform.yaml", "vars.yaml")  # omsform.lang.config's CONFIG_FILE, VARS_FILE

_TIMEOUT = 60.0
LEDGER = ".omsform/ledger.json"


def _git(directory: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``git -C directory ARGS`` (never prompting), its output as bytes."""
    try:
        return subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise OmsformError(
            "--changed-since needs git, which is not installed (or not on PATH)"
        ) from None
    except subprocess.TimeoutExpired:
        raise OmsformError(f"--changed-since: git {args[0]} took over {_TIMEOUT:.0f} s") from None


def _git_both(
    directory: Path, first: tuple[str, ...], second: tuple[str, ...]
) -> tuple[subprocess.CompletedProcess[bytes], subprocess.CompletedProcess[bytes]]:
    """Two read-only git commands run side by side (each is mostly a process start)."""
    with ThreadPoolExecutor(2) as pool:
        one, two = pool.submit(_git, directory, *first), pool.submit(_git, directory, *second)
        return one.result(), two.result()


def _message(done: subprocess.CompletedProcess[bytes]) -> str:
    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"git exited with {done.returncode}"


def check_ref(directory: Path, ref: str) -> str:
    """The commit ``ref`` names in the repository holding ``directory`` (its full sha)."""
    if not directory.is_dir():
        raise OmsformError(f"--changed-since: {directory} is not a directory")
    verify = ("--verify", "--quiet", "--end-of-options", ref + "^{commit}")
    both = _git(directory, "rev-parse", "--is-inside-work-tree", *verify)  # one git, usually
    lines = both.stdout.split()
    if both.returncode == 0 and len(lines) == 2 and lines[0] == b"true":
        return lines[1].decode()
    inside = _git(directory, "rev-parse", "--is-inside-work-tree")  # which one failed, and why
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        raise OmsformError(
            f"--changed-since {ref}: {directory} is not inside a git repository "
            f"({_message(inside)}); plan without --changed-since"
        )
    found = _git(directory, "rev-parse", *verify)
    if found.returncode != 0:
        raise OmsformError(
            f"--changed-since: '{ref}' is not a commit in this repository. Check the name "
            "(`git log --oneline -1 REF`); a shallow CI checkout must fetch it first "
            "(`git fetch --depth=1 origin main`, then use origin/main or FETCH_HEAD)"
        )
    return found.stdout.decode().strip()


def changed_paths(directory: Path, commit: str) -> list[str]:
    """Paths (relative to ``directory``, ``/``-separated) that differ from ``commit`` in the
    working tree, plus untracked files that are not ignored; sorted, each once."""
    diff, new = _git_both(
        directory,
        ("diff", "--name-only", "--no-renames", "-z", "--relative", commit, "--"),
        ("ls-files", "--others", "--exclude-standard", "-z", "--", "."),
    )
    if diff.returncode != 0:
        raise OmsformError(f"--changed-since: git diff failed: {_message(diff)}")
    if new.returncode != 0:
        raise OmsformError(f"--changed-since: git ls-files failed: {_message(new)}")
    names = (diff.stdout + new.stdout).decode("utf-8", "surrogateescape").split("\0")
    return sorted({n for n in names if n})


def text_at(directory: Path, commit: str, path: str) -> str | None:
    """The text of ``path`` (relative to ``directory``) at ``commit``; None when it was absent."""
    done = _git(directory, "show", f"{commit}:./{path}")
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8-sig", "replace")


@dataclass(frozen=True)
class _Answers:
    """What git told about a brand directory and a REF: the commit, the changed paths, and the
    text at REF of each changed file a diff reads."""

    commit: str
    paths: list[str]
    texts: dict[str, str | None]


_early: dict[tuple[Path, str], Future[_Answers]] = {}


def prefetch(directory: Path, ref: str) -> None:
    """Start asking git what ``BrandDiff(directory, ref)`` needs, in a thread (see module)."""
    key = (directory, ref)
    if key in _early or not ref.strip():
        return
    _early.clear()  # one diff at a time: answers a run never took must not outlive it
    answers: Future[_Answers] = Future()

    def ask() -> None:
        try:
            answers.set_result(_ask(directory, ref))
        except BaseException as exc:
            answers.set_exception(exc)

    _early[key] = answers
    threading.Thread(target=ask, name="omsform-git-diff", daemon=True).start()


def early_diff(directory: Path, ref: str) -> BrandDiff | None:
    """The diff :func:`prefetch` asked git for, once git answered, leaving the answers for the
    :class:`BrandDiff` the run makes; ``None`` when git was not asked ahead or failed (the run
    reports that). Its :meth:`BrandDiff.text_at` asks git again for a text not read ahead."""
    early = _early.get((directory, ref))
    if early is None or early.exception() is not None:  # waits for git's answers
        return None
    diff = BrandDiff.__new__(BrandDiff)
    answers = early.result()
    diff.directory, diff.ref, diff.commit = directory, ref, answers.commit
    diff.paths, diff._texts = answers.paths, dict(answers.texts)
    return diff


def _ask(directory: Path, ref: str) -> _Answers:
    commit = check_ref(directory, ref)
    paths = changed_paths(directory, commit)
    full = any(p in CONFIG_FILES for p in paths)  # the plan reads everything: no text needed
    read = [] if full else [p for p in paths if p == LEDGER or _brand_file(p)]
    return _Answers(commit, paths, {p: text_at(directory, commit, p) for p in read})


def _brand_file(path: str) -> bool:
    """True for a file a brand is loaded from: a ``*.yaml`` at its top, not hidden."""
    name = PurePosixPath(path)
    return len(name.parts) == 1 and not path.startswith(".") and name.suffix == ".yaml"


class BrandDiff:
    """``git diff REF`` of a brand directory, its files' text at REF read once each."""

    def __init__(self, directory: Path, ref: str) -> None:
        self.directory, self.ref = directory, ref
        self._texts: dict[str, str | None] = {}
        early = _early.pop((directory, ref), None)
        if early is not None:  # git was asked in a thread (prefetch); its error is raised here
            answers = early.result()
            self.commit, self.paths, self._texts = answers.commit, answers.paths, answers.texts
            return
        self.commit = check_ref(directory, ref)
        self.paths = changed_paths(directory, self.commit)

    def text_at(self, path: str) -> str | None:
        """``path``'s text at REF (None when absent)."""
        if path not in self._texts:
            self._texts[path] = text_at(self.directory, self.commit, path)
        return self._texts[path]

    def changed_kinds(
        self, loaded_from: Mapping[str, set[str]], known: set[str]
    ) -> tuple[set[str], str]:
        """(kinds the changed paths touch, "") or (…, why the plan must be full).
        ``loaded_from``: resource file → kinds of the objects loaded from it."""
        kinds: set[str] = set()
        for path in self.paths:
            if path == LEDGER:
                now = self.directory / LEDGER
                new = now.read_text(encoding="utf-8") if now.is_file() else None
                found = ledger_kinds(self.text_at(path), new)
                if found is None:
                    return kinds, f"{LEDGER} changed its salt or cannot be read at {self.ref}"
                kinds |= found
                continue
            if not _brand_file(path):
                continue  # not a file the brand is loaded from
            if path in CONFIG_FILES:
                return kinds, f"{path} changed"
            old = self.text_at(path)
            before = scan_text(old, known).kinds if old is not None else frozenset()
            if before is None:
                return kinds, f"{path} at {self.ref} has a templated top-level line"
            now_kinds = _kinds_now(self.directory / path, known)
            kinds |= before | loaded_from.get(path, set()) | now_kinds
        return kinds & known, ""


def _kinds_now(path: Path, known: set[str]) -> set[str]:
    """Kinds whose key the file has now, objects or not (``oms_webhook: {}`` empties a kind)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return set()
    return set(scan_text(text, known).kinds or ())


def ledger_kinds(old: str | None, new: str | None) -> set[str] | None:
    """Kinds whose ledger entries differ between two ``ledger.json`` texts (None: a salt that
    changed or a file that cannot be read, so every fingerprint may mean something else)."""
    try:
        before, after = _ledger(old), _ledger(new)
    except (ValueError, TypeError, AttributeError):
        return None
    if before.get("salt") and after.get("salt") and before["salt"] != after["salt"]:
        return None
    was, now = before.get("resources", {}), after.get("resources", {})
    moved = {a for a in {*was, *now} if was.get(a) != now.get(a)}
    return {_kind_of(a, was.get(a) or now.get(a)) for a in moved}


def _ledger(text: str | None) -> Mapping[str, Any]:
    doc = json.loads(text) if text else {}
    if not isinstance(doc, dict) or not isinstance(doc.get("resources", {}), dict):
        raise ValueError("not a ledger")
    return doc


def _kind_of(address: str, entry: Any) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("kind"), str):
        return str(entry["kind"])
    return re.split(r"[.\[#]", address, maxsplit=1)[0]
