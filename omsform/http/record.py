"""``--record DIR``: save a run's HTTP exchanges as a vcrpy cassette a contract test replays.

``DIR`` receives ``cassette.yaml`` (every request and answer), ``meta.json`` (the command and
the non-secret keys of each provider block: hosts and ``api`` overrides, never credentials) and,
for ``plan``, ``brand/`` (a copy of the brand's YAML files, without ``.omsform/``), so
``tests/contract/`` can plan the same brand from the recording.

Scrubbed before anything is written: the ``Authorization``, ``X-Api-Key``, ``Cookie`` and
``Proxy-Authorization`` request headers and ``Set-Cookie`` answers; every JSON value under a
credential-like key (``password``, ``token``, ``secret_key``, ``api_key``…, and the ``key`` a
login returns); and every secret value the run knows (``${secret.…}`` values, the token, the
login's key) wherever it appears in a URL or a body, as text, URL-encoded or JSON-escaped.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from omsform.errors import ConfigError, Location, Problem
from omsform.secrets import SENSITIVE
from omsform.secrets.mask import redact as redact_text

CASSETTE, META, BRAND = "cassette.yaml", "meta.json", "brand"
SECRET_HEADERS = ("authorization", "x-api-key", "cookie", "proxy-authorization")
RESPONSE_SECRET_HEADERS = ("set-cookie",)
CREDENTIAL_KEYS = re.compile(
    r"^(password|passwd|token|access_token|refresh_token|auth_token|secret|secret_key|"
    r"client_secret|api_key|apikey|api_secret|private_key|webhook_secret|encryption_key)$",
    re.IGNORECASE,
)
LOGIN_PATH = re.compile(r"/auth/login/?$")


class Scrubber:
    """Removes credentials from cassette requests and answers; ``secrets`` grows as the run
    learns more (the key a login answers is added before the answer is written)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = {s for s in secrets if s}

    def text(self, data: Any) -> Any:
        """``data`` (str or bytes) with every known secret replaced."""
        if isinstance(data, bytes):
            return self.text(data.decode("utf-8", "replace")).encode()
        if isinstance(data, str):
            return redact_text(data, sorted(self.secrets, key=len, reverse=True))
        return data

    def body(self, data: Any, *, login: bool = False) -> Any:
        """A JSON body with credential-like values masked (``key`` too for a login), then
        every known secret replaced; a body that is not JSON gets the text treatment."""
        raw = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        if isinstance(raw, str) and raw.strip():
            try:
                decoded = json.loads(raw)
            except ValueError:
                return self.text(data)
            masked = self._mask(decoded, login)
            encoded = json.dumps(masked, ensure_ascii=False)
            out = self.text(encoded)
            return out.encode() if isinstance(data, bytes) else out
        return self.text(data)

    def _mask(self, value: Any, login: bool) -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                sensitive = CREDENTIAL_KEYS.match(str(k)) or (login and k == "key")
                if sensitive and isinstance(v, str) and v:
                    self.secrets.add(v)
                    out[k] = SENSITIVE
                else:
                    out[k] = self._mask(v, login)
            return out
        if isinstance(value, list):
            return [self._mask(v, login) for v in value]
        return value

    def request(self, request: Any) -> Any:
        """vcrpy ``before_record_request``."""
        request.uri = self.text(request.uri)
        request.body = self.body(request.body, login=bool(LOGIN_PATH.search(request.path)))
        return request

    def response_for(self) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """vcrpy ``before_record_response``."""

        def scrub(response: dict[str, Any]) -> dict[str, Any]:
            headers = response.get("headers") or {}
            for name in list(headers):
                if name.lower() in RESPONSE_SECRET_HEADERS:
                    del headers[name]
            body = response["body"]["string"]
            login = bool(json_key_only(body))
            response["body"]["string"] = self.body(body, login=login)
            return response

        return scrub


def json_key_only(body: Any) -> bool:
    """Whether ``body`` is a login answer: a JSON object whose only key is ``key``."""
    try:
        decoded = json.loads(body.decode() if isinstance(body, bytes) else body or "null")
    except ValueError:
        return False
    return isinstance(decoded, dict) and set(decoded) == {"key"}


def recorder(scrubber: Scrubber, *, record: bool) -> Any:
    """A vcrpy ``VCR`` configured to scrub (recording) or to replay strictly."""
    try:
        import vcr
    except ImportError:  # pragma: no cover - vcrpy is a dependency; kept for a clear message
        where = Location(address="--record")
        raise ConfigError([Problem(where, "vcrpy is not installed", "pip install vcrpy")]) from None
    return vcr.VCR(
        record_mode="all" if record else "none",
        filter_headers=SECRET_HEADERS,
        before_record_request=scrubber.request,
        before_record_response=scrubber.response_for(),
        match_on=("method", "host", "path", "query"),
        decode_compressed_response=True,
    )


@contextmanager
def recording(
    directory: Path,
    secrets: Iterable[str],
    *,
    command: str,
    providers: Mapping[str, Mapping[str, Any]],
    brand_dir: Path | None = None,
) -> Iterator[Scrubber]:
    """Record every HTTP exchange inside the block into ``directory`` (see the module doc).
    ``providers`` are the blocks' non-secret keys, written to ``meta.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    cassette = directory / CASSETTE
    cassette.unlink(missing_ok=True)
    scrubber = Scrubber(secrets)
    meta = {"command": command, "providers": providers}
    (directory / META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    if brand_dir is not None:
        copy_brand(brand_dir, directory / BRAND)
    with recorder(scrubber, record=True).use_cassette(str(cassette)):
        yield scrubber


def copy_brand(source: Path, target: Path) -> None:
    """The brand's YAML files (top level only; never ``.omsform/``)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            shutil.copy2(path, target / path.name)


def public_block(block: Any, secret_fields: Iterable[str]) -> dict[str, Any]:
    """A validated provider block's keys without its secret fields (and without unset ones)."""
    data = block.model_dump(exclude_none=True) if hasattr(block, "model_dump") else dict(block)
    hidden = set(secret_fields) | {"username"}
    return {k: v for k, v in data.items() if k not in hidden}
