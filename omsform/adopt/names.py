"""Names an import makes up: local names for objects, environment variable names for the
values the API never returns, each unique where it must be."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from omsform.contract.resource import Resource

MAX_NAME = 64
SHORT_NAME = 48
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_UNSAFE = re.compile(r"[^a-z0-9_]+")
_ENV_UNSAFE = re.compile(r"[^A-Z0-9]+")
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")
_LATIN = str.maketrans({"ı": "i", "ß": "ss", "ø": "o", "æ": "ae", "đ": "d", "ł": "l"})


@dataclass(frozen=True)
class EnvVar:
    """An environment variable the imported brand needs: its ``name``, whether it is
    ``secret``, and what it is ``for`` (an address and path, or a provider field)."""

    name: str
    secret: bool
    purpose: str


def slug(text: str) -> str:
    """A local name from any text: lower-case ASCII letters, digits and ``_``."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_LATIN)).encode("ascii", "ignore")
    name = _UNSAFE.sub("_", ascii_text.decode().lower()).strip("_")
    if len(name) > MAX_NAME:  # keep both ends: keys often differ only at the end
        half = MAX_NAME // 2
        name = name[: half - 1].rstrip("_") + "_" + name[-half:].lstrip("_")
    return name or "item"


def env_name(*parts: str) -> str:
    """An environment variable name from ``parts`` (upper case, ``_`` between words)."""
    text = "_".join(p for p in parts if p)
    ascii_text = unicodedata.normalize("NFKD", text.translate(_LATIN)).encode("ascii", "ignore")
    name = _ENV_UNSAFE.sub("_", ascii_text.decode().upper()).strip("_")
    return name if name and not name[0].isdigit() else f"X_{name}"


def unique_name(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted_2``, ``wanted_3``…: the first not in ``taken`` (case-insensitively),
    which is then added to it."""
    name, n = wanted, 2
    while name in taken or name.lower() in taken:
        name, n = f"{wanted}_{n}", n + 1
    taken.update({name, name.lower()})
    return name


def local_name(cls: type[Resource[Any]], key: str, taken: set[str]) -> str:
    """The local name for the object ``key`` of ``cls``, unique among ``taken`` (updated).

    The key itself when the kind fills a key field from the local name and the key is a valid
    name; else its words (a URL gives its host without the top-level domain, then its path),
    middle words of the longest part dropped until the name is short, and a key that starts
    with a digit prefixed by its field's initials (``organization_unit`` 1 → ``ou_1``).
    """
    verbatim = cls.name_field is not None and _LOCAL_NAME.match(key) and len(key) <= 100
    if verbatim:
        return unique_name(key, taken)
    parts = key.split("|") if len(cls.key_fields) > 1 else [key]
    name = _fit([_words(part) for part in parts])
    if name[0].isdigit() and len(cls.key_fields) == 1:
        initials = "".join(w[0] for w in cls.key_fields[0].split("_") if w)
        name = f"{initials}_{name}"
    return unique_name(name, taken)


def _words(text: str) -> list[str]:
    """The words of one key part; for a URL, its host (no scheme, ``www`` or top-level domain)
    and path."""
    url = urlsplit(text) if _URL.match(text) else None
    if url is not None and url.hostname:
        labels = url.hostname.split(".")
        host = [w for w in labels[:-1] if w != "www"] if len(labels) > 1 else labels
        text = " ".join([*host, url.path])
    return [w for w in slug(text).split("_") if w]


def _fit(parts: list[list[str]]) -> str:
    """The words joined with ``_``, whole middle words of the longest part dropped until the
    name fits ``SHORT_NAME`` (a single over-long word is cut by :func:`slug`)."""
    parts = [list(p) for p in parts if p]

    def joined() -> str:
        return "_".join(w for p in parts for w in p)

    while len(joined()) > SHORT_NAME:
        shrinkable = [p for p in parts if len(p) > 2]
        if not shrinkable:
            break
        longest = max(shrinkable, key=lambda p: len("_".join(p)))
        del longest[len(longest) // 2]
    return slug(joined()) if parts else "item"


class SecretNames:
    """Generated ``${secret.NAME}`` names, unique across the brand, and their variables."""

    def __init__(self, brand: str) -> None:
        self.brand = brand
        self.taken: set[str] = set()
        self.env: list[EnvVar] = []

    def ref(self, kind: str, name: str, path: str, label: str = "") -> str:
        """A new ``${secret.NAME}`` reference for the value at ``path`` of ``kind.name``;
        ``label`` (default ``path``) names the value: the variable is the brand, the kind
        without its provider prefix, the local name and the label's last two words
        (``ACME_WEBHOOK_<name>_AUTH_PASSWORD``)."""
        short_kind = kind.split("_", 1)[-1]
        words = [w for w in re.split(r"[.\[\]]+", label or path) if w and not w.isdigit()]
        wanted = env_name(self.brand, short_kind, name, *words[-2:])
        var = unique_name(wanted, self.taken)
        self.env.append(EnvVar(var, True, f"{kind}.{name} {path}"))
        return "${secret." + var + "}"
