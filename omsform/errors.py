"""One exception tree for omsform. The library raises these; only ``omsform/cli/`` prints them.

::

    OmsformError
    ├── ConfigError            a brand directory cannot be loaded; carries every Problem found
    ├── ProviderError          talking to a remote system failed
    │   ├── ApiError           the API answered with an error status (status, method, url, detail)
    │   ├── AuthError          401/403 or a failed login: the token or credentials are wrong
    │   ├── UnreachableError   no answer (DNS, refused, timeout, TLS) after the retry budget
    │   └── IncompleteChangeError  the object was created, a later required call failed
    ├── PlanError              a plan cannot be built or must not be used; carries Problems
    │   ├── UnsafePlanError    the safety threshold or a protect rule blocks it (--force)
    │   └── StalePlanError     a saved plan no longer matches the live systems or the brand
    └── ApplyError             apply refused to start (manual changes, bad checksum, …)

Every message says what went wrong *and what to do*. No message ever contains a secret value:
callers pass values through :func:`omsform.secrets.mask.redact` before they reach an exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omsform.contract.spec import Remote


@dataclass(frozen=True, order=True)
class Location:
    """Where a problem is: a file position (1-based line and column) or a resource address."""

    file: str = ""
    line: int = 0
    column: int = 0
    address: str = ""

    def __str__(self) -> str:
        if self.file:
            pos = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
            return f"{pos} ({self.address})" if self.address else pos
        return self.address or "<brand>"


@dataclass(frozen=True, order=True)
class Problem:
    """One validation finding: where, what, and an optional hint (e.g. "did you mean 'name'?")."""

    location: Location
    message: str
    hint: str = ""
    severity: str = "error"  # "error" or "warning"
    code: str = ""  # a stable category for machines; "" → :func:`omsform.lang.problemjson.code_of`

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class OmsformError(Exception):
    """Base of every error omsform raises on purpose."""


class ConfigError(OmsformError, ValueError):
    """The brand directory is invalid. ``problems`` holds every problem found in one pass."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(f"{len(errors)} problem(s) in the brand configuration")


class ProviderError(OmsformError):
    """A remote system could not do what was asked."""


class ApiError(ProviderError):
    """The API answered with an error status."""

    def __init__(self, status: int, method: str, url: str, detail: str) -> None:
        self.status, self.method, self.url, self.detail = status, method, url, detail
        super().__init__(f"{method} {url} → {status}: {detail}")


class AuthError(ProviderError):
    """Authentication failed: the message names the provider and the config key to check."""


class UnreachableError(ProviderError):
    """The remote system did not answer within the retry budget."""


class IncompleteChangeError(ProviderError):
    """A create whose remote API needs several calls made the object, then a later call failed
    (a Ginesys app created, then a connection test failed). ``remote`` is the object as created:
    apply records it like any create, and still reports the change as failed with the message."""

    def __init__(self, message: str, remote: Remote[Any]) -> None:
        self.remote = remote
        super().__init__(message)


class PlanError(OmsformError):
    """A plan cannot be built or used. ``problems`` holds every located finding when there are
    several (planning collects them all in one pass; the CLI prints them like a
    :class:`ConfigError`'s); ``summary`` is the one line said after them. ``str()`` says it
    all (the message, else every problem). Made from a message alone, ``problems`` is empty
    and ``summary`` is the message."""

    def __init__(
        self, message: str = "", problems: Iterable[Problem] = (), summary: str = ""
    ) -> None:
        self.problems = list(problems)  # in the order found: objects by address
        errors = [p for p in self.problems if p.severity == "error"]
        many = len(errors) > 1
        counted = f"{len(errors)} problem{'s' if many else ''} prevent planning"
        self.summary = summary or message or counted
        if not message and errors:
            texts = [_plain(p) for p in errors]
            message = f"{self.summary}:\n  - " + "\n  - ".join(texts) if many else texts[0]
        super().__init__(message)


def _plain(problem: Problem) -> str:
    """A plan problem as one line of text: ``file:line: message (hint)`` (the address is
    part of the message)."""
    at = problem.location
    where = f"{at.file}:{at.line}: " if at.file and at.line else (f"{at.file}: " if at.file else "")
    return f"{where}{problem.message}" + (f" ({problem.hint})" if problem.hint else "")


class UnsafePlanError(PlanError):
    """The plan exceeds a safety threshold or breaks a protect rule; ``--force`` overrides.
    ``plan`` is the refused plan when one was built (the threshold), else ``None``."""

    plan: Any = None


class StalePlanError(PlanError):
    """A saved plan is out of date: ``moved`` lists each object that changed and how."""

    def __init__(self, message: str, moved: list[str] | None = None) -> None:
        self.moved = moved or []
        super().__init__(message)


class ApplyError(OmsformError):
    """Apply refused to start (it never starts half-way)."""
