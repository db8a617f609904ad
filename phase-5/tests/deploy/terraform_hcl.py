"""The AKS root module read as data: every `.tf` file parsed with python-hcl2 into one
model (resources by type and name, variables, locals, outputs), plus the environment
variable files. Strings keep OpenTofu's `${...}` interpolation text, so a test can ask
what an attribute refers to without evaluating it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

PHASE5 = Path(__file__).resolve().parents[2]
MODULE = PHASE5 / "terraform" / "aks"
ENVIRONMENTS = ("staging", "production")
_OPTIONS = hcl2.SerializationOptions(
    with_comments=False, explicit_blocks=False, strip_string_quotes=True
)


def load_hcl(path: Path) -> dict[str, Any]:
    with path.open() as f:
        return hcl2.load(f, serialization_options=_OPTIONS)


@dataclass
class Module:
    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    ephemerals: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    terraform: list[dict[str, Any]] = field(default_factory=list)
    text: dict[str, str] = field(default_factory=dict)

    def resource(self, rtype: str, name: str) -> dict[str, Any]:
        return self.resources[rtype][name]

    def all_text(self) -> str:
        return "\n".join(self.text.values())


def _merge_blocks(
    target: dict[str, dict[str, dict[str, Any]]], blocks: list[dict[str, Any]]
) -> None:
    for block in blocks:
        for rtype, named in block.items():
            for name, body in named.items():
                assert name not in target.setdefault(rtype, {}), f"duplicate {rtype}.{name}"
                target[rtype][name] = body


@cache
def module() -> Module:
    m = Module()
    for path in sorted(MODULE.glob("*.tf")):
        m.text[path.name] = path.read_text()
        doc = load_hcl(path)
        _merge_blocks(m.resources, doc.get("resource", []))
        _merge_blocks(m.ephemerals, doc.get("ephemeral", []))
        for block in doc.get("variable", []):
            m.variables.update(block)
        for block in doc.get("locals", []):
            m.locals.update(block)
        for block in doc.get("output", []):
            m.outputs.update(block)
        m.terraform.extend(doc.get("terraform", []))
    return m


def tfvars(env: str) -> dict[str, Any]:
    return load_hcl(MODULE / "environments" / f"{env}.tfvars")


def backend(env: str) -> dict[str, Any]:
    return load_hcl(MODULE / "environments" / f"{env}.backend.hcl")


def refs(value: Any) -> set[str]:
    """Every `var.x`, `local.x`, `ephemeral.t.n` and `<type>.<name>` an expression mentions."""
    text = repr(value)
    return set(
        re.findall(r"\b(?:var|local|ephemeral\.[a-z_]+|[a-z]+_[a-z_]+)\.[A-Za-z0-9_-]+", text)
    )
