"""Rendering charts with the real helm and checking manifests against real schemas.

- `render()` runs `helm template` (the binary scripts/install-helm.sh builds) and parses
  every document it prints.
- `validate_k8s()` is kubernetes-validate's strict mode (unknown fields are errors) for the
  Kubernetes 1.37 schemas.
- `CrdSchemas` turns the official Dapr chart's CRDs into JSON Schemas made strict the way
  the API server's `fieldValidation=Strict` is: an object that lists its properties rejects
  any other, unless the CRD marks it `x-kubernetes-preserve-unknown-fields`.
"""

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

P5 = Path(__file__).resolve().parents[2]
CACHE = Path.home() / ".cache" / "phase5"
HELM = CACHE / "bin" / "helm"
OUR_CHART = P5 / "charts" / "phase5"
DAPR_VALUES = P5 / "charts" / "dapr"
DAPR_VERSION = "1.18.2"
DAPR_CHART = CACHE / "build" / f"dapr-{DAPR_VERSION}" / "charts" / "dapr"
K8S_VERSION = "1.37.0"
ENVIRONMENTS = ("local", "staging", "production")
RELEASE, NAMESPACE = "phase5", "phase5"

Manifest = dict[str, Any]


@cache
def ensure_tools() -> None:
    """helm and the Dapr module copy are cached builds; the install scripts are no-ops then."""
    subprocess.run(["bash", str(P5 / "scripts" / "install-helm.sh")], check=True)
    if not (DAPR_CHART / "Chart.yaml").exists():
        subprocess.run(["bash", str(P5 / "scripts" / "install-dapr.sh")], check=True)


def render(
    chart: Path, release: str, namespace: str, *values: Path, extra: tuple[str, ...] = ()
) -> list[Manifest]:
    ensure_tools()
    args = [str(HELM), "template", release, str(chart), "--namespace", namespace]
    for v in values:
        args += ["-f", str(v)]
    out = subprocess.run([*args, *extra], check=True, capture_output=True, text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def render_ours(env: str, *extra: str) -> list[Manifest]:
    return render(OUR_CHART, RELEASE, NAMESPACE, OUR_CHART / f"values-{env}.yaml", extra=extra)


def render_dapr(env: str) -> list[Manifest]:
    return render(DAPR_CHART, "dapr", "dapr-system", DAPR_VALUES / f"values-{env}.yaml")


def validate_k8s(doc: Manifest) -> None:
    """Raises kubernetes_validate.ValidationError (or SchemaNotFoundError for a CRD kind)."""
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items()}
    if out.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    preserve = out.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


@dataclass(frozen=True)
class CrdSchemas:
    by_kind: dict[tuple[str, str], dict[str, Any]]  # (apiVersion, kind) -> JSON Schema

    @classmethod
    def load(cls, crd_dir: Path) -> "CrdSchemas":
        by_kind: dict[tuple[str, str], dict[str, Any]] = {}
        for path in sorted(crd_dir.glob("*.yaml")):
            for crd in yaml.safe_load_all(path.read_text()):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
                for version in crd["spec"]["versions"]:
                    schema = version["schema"]["openAPIV3Schema"]
                    by_kind[(f"{group}/{version['name']}", kind)] = _strict(schema)
        return cls(by_kind)

    def kinds(self) -> set[tuple[str, str]]:
        return set(self.by_kind)

    def errors(self, doc: Manifest) -> list[str]:
        schema = self.by_kind.get((doc["apiVersion"], doc["kind"]))
        if schema is None:
            return [f"no CRD for {doc['apiVersion']} {doc['kind']}"]
        validator = jsonschema.Draft7Validator(schema)
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(doc)
        ]


@cache
def dapr_crds() -> CrdSchemas:
    ensure_tools()
    return CrdSchemas.load(DAPR_CHART / "crds")


def pod_specs(docs: list[Manifest]) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    """(workload, pod spec) for every Deployment, StatefulSet, Job and bare Pod."""
    for d in docs:
        if d["kind"] in ("Deployment", "StatefulSet", "Job", "DaemonSet"):
            yield d, d["spec"]["template"]["spec"]
        elif d["kind"] == "Pod":
            yield d, d["spec"]


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def find(docs: list[Manifest], kind: str, name: str) -> Manifest:
    hits = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(hits) == 1, f"{kind}/{name}: {len(hits)} rendered"
    return hits[0]


def is_hook(doc: Manifest) -> bool:
    return "helm.sh/hook" in doc["metadata"].get("annotations", {})
