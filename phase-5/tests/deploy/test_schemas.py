"""Every rendered manifest validates strictly: Kubernetes kinds against the 1.37 schemas
(kubernetes-validate ships 1.25-1.37), Dapr kinds against the official chart's CRDs."""

import copy

import kubernetes_validate
import pytest

from tests.deploy.manifests import (
    ENVIRONMENTS,
    K8S_VERSION,
    Manifest,
    dapr_crds,
    find,
    render_ours,
    validate_k8s,
)


def _problems(docs: list[Manifest]) -> list[str]:
    crds = dapr_crds()
    problems = []
    for doc in docs:
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        if (doc["apiVersion"], doc["kind"]) in crds.kinds():
            problems += [f"{where}: {e}" for e in crds.errors(doc)]
            continue
        try:
            validate_k8s(doc)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{where}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"{where}: no Kubernetes {K8S_VERSION} schema and no Dapr CRD")
    return problems


def test_the_validator_ships_the_kubernetes_version_we_target() -> None:
    from kubernetes_validate import utils

    assert K8S_VERSION in utils.all_versions()


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_our_chart_validates_strictly(ours: dict[str, list[Manifest]], env: str) -> None:
    assert _problems(ours[env]) == []


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_official_dapr_chart_with_our_values_validates(
    dapr: dict[str, list[Manifest]], env: str
) -> None:
    # Its Configuration (daprsystem) is checked against the Configuration CRD.
    assert _problems(dapr[env]) == []


def test_strict_validation_rejects_an_unknown_field_in_both_kinds_of_schema() -> None:
    docs = render_ours("local")
    deployment = copy.deepcopy(find(docs, "Deployment", "phase5-todo-api"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFs"] = True
    component = copy.deepcopy(find(docs, "Component", "pubsub"))
    component["spec"]["scope"] = ["todo-api"]  # a typo of the top-level `scopes`
    config = copy.deepcopy(find(docs, "Configuration", "todo-api-config"))
    config["spec"]["tracing"]["samplingRate"] = 1  # a number where the CRD wants a string
    problems = _problems([deployment, component, config])
    assert len(problems) == 3, problems
    assert "readOnlyRootFs" in problems[0]
    assert "scope" in problems[1]
