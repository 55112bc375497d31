"""The brand digest: a sha256 of the configuration and every desired object's secret-free
canonical form, so a saved plan can tell whether the YAML it was made from changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from omsform.lang.config import BrandConfig
from omsform.plan.openmaps import EXCLUSIVE
from omsform.secrets.mask import mask_paths


@dataclass(frozen=True)
class DigestForm:
    """What an object adds to the brand digest, masked only when the digest is computed
    (``validate`` never computes it)."""

    kind: str
    fields: Any  # the plain form of the validated spec
    hidden: tuple[str, ...]  # paths masked in the digest: secrets, write-only fields
    secrets: tuple[str, ...]  # ``path=NAME`` of each ``${secret.NAME}``
    exclusive: frozenset[str]

    def form(self) -> dict[str, Any]:
        """The secret-free canonical form hashed into the digest."""
        spec = mask_paths(self.fields, self.hidden) if self.hidden else self.fields
        return {
            "kind": self.kind,
            "spec": spec,
            "secrets": sorted(self.secrets),
            **({EXCLUSIVE: sorted(self.exclusive)} if self.exclusive else {}),
        }


def digest(config: BrandConfig, desired: Mapping[str, Any]) -> str:
    """sha256 of the canonical, secret-free rendering of the configuration and desired specs."""
    content = {"config": config.model_dump(mode="json"), "desired": desired}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
