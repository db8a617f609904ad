"""The GitHub workflows, parsed and asserted: pinned actions, least privilege, one deploy per
environment at a time, develop -> staging and main -> production only, the same images and
chart as the local cluster, Helm's atomic rollback. test_github_workflows_checks.py runs
actionlint and zizmor on the same files."""

from __future__ import annotations

import json
import os
import re
import subprocess
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.terraform_hcl import module

REPO = Path(__file__).resolve().parents[3]
WORKFLOWS = REPO / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
IMAGES = ("app", "web", "dapr", "daprd")


def load(name: str) -> dict[str, Any]:
    doc: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as the boolean true.
    doc["on"] = doc.pop(True, doc.get("on"))
    return doc


@pytest.fixture(scope="module")
def ci() -> dict[str, Any]:
    return load("ci.yml")


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return load("deploy.yml")


def steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


def run_text(doc: dict[str, Any]) -> str:
    return "\n".join(s.get("run", "") for s in steps(doc))


def test_both_workflows_exist() -> None:
    assert {p.name for p in FILES} >= {"ci.yml", "deploy.yml"}


# ---- supply chain -------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version_named(path: Path) -> None:
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", path.read_text(), re.MULTILINE)
    assert uses
    for ref, rest in uses:
        if ref.startswith("./"):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", rest), f"{ref}: no version comment"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_pull_request_target_and_no_persisted_credentials(path: Path) -> None:
    doc = load(path.name)
    triggers = doc["on"] if isinstance(doc["on"], dict) else {t: None for t in doc["on"]}
    # pull_request_target runs with secrets in the base repository's context; combined with
    # a checkout of the pull request it runs untrusted code with them. Not used at all.
    assert "pull_request_target" not in triggers
    assert "workflow_run" not in triggers
    for step in steps(doc):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


# ---- permissions --------------------------------------------------------------------------


def test_ci_reads_the_repository_and_nothing_else(ci: dict[str, Any]) -> None:
    assert ci["permissions"] == {"contents": "read"}
    for name, job in ci["jobs"].items():
        assert job.get("permissions", ci["permissions"]) == {"contents": "read"}, name
        assert "environment" not in job, f"CI job {name} must not touch an environment"
    assert "secrets." not in (WORKFLOWS / "ci.yml").read_text()


def test_deploy_grants_each_job_only_what_it_uses(deploy: dict[str, Any]) -> None:
    assert deploy["permissions"] == {}
    jobs = deploy["jobs"]
    assert jobs["ci"]["permissions"] == {"contents": "read"}
    # The OIDC token is the only write, and only the job bound to an environment has it.
    assert jobs["deploy"]["permissions"] == {"contents": "read", "id-token": "write"}
    assert jobs["notify"]["permissions"] == {}
    for name, job in jobs.items():
        if name != "deploy":
            assert "id-token" not in job.get("permissions", {}), name


def test_azure_sign_in_is_oidc_without_stored_passwords(deploy: dict[str, Any]) -> None:
    (login,) = [s for s in steps(deploy) if s.get("uses", "").startswith("azure/login@")]
    assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}
    text = (WORKFLOWS / "deploy.yml").read_text()
    # The only stored secret is the Slack webhook; no Azure or registry password exists.
    assert set(re.findall(r"secrets\.([A-Z_]+)", text)) == {"SLACK_WEBHOOK_URL"}
    assert "client-secret" not in text and "password:" not in text


# ---- branches, environments, concurrency ---------------------------------------------------


def environment_for(expression: str, ref: str) -> str:
    """Evaluates the `a == 'x' && 'y' || 'z'` form GitHub expressions use for a ternary."""
    m = re.fullmatch(
        r"\$\{\{ github\.ref == '([^']+)' && '([^']+)' \|\| '([^']+)' \}\}", expression.strip()
    )
    assert m, expression
    when, then, otherwise = m.groups()
    return then if ref == when else otherwise


def deploys(deploy: dict[str, Any], branch: str) -> bool:
    return any(fnmatch(branch, pattern) for pattern in deploy["on"]["push"]["branches"])


def test_develop_deploys_staging_main_production_and_nothing_else(deploy: dict[str, Any]) -> None:
    assert set(deploy["on"]) == {"push"}
    assert "tags" not in deploy["on"]["push"]
    job = deploy["jobs"]["deploy"]
    env_expr = job["environment"]["name"]
    for branch, env in (("develop", "staging"), ("main", "production")):
        assert deploys(deploy, branch)
        assert environment_for(env_expr, f"refs/heads/{branch}") == env
        assert environment_for(job["env"]["DEPLOY_ENV"], f"refs/heads/{branch}") == env
    for branch in ("feature/recurring-ui", "feature/x", "release/1.0", "hotfix/y", "dev"):
        assert not deploys(deploy, branch), branch


def test_one_deploy_per_environment_at_a_time_never_cancelled(deploy: dict[str, Any]) -> None:
    job = deploy["jobs"]["deploy"]
    group = job["concurrency"]["group"]
    assert job["concurrency"]["cancel-in-progress"] is False
    prefix, expr = group.split("-", 1)
    assert prefix == "deploy"
    # The group is the environment: staging and production never block each other.
    assert expr == job["environment"]["name"]


def test_ci_covers_every_push_and_pull_request(ci: dict[str, Any], deploy: dict[str, Any]) -> None:
    assert "pull_request" in ci["on"] and "workflow_call" in ci["on"]
    # Pushes to develop/main run CI through deploy.yml, which waits for it.
    assert set(ci["on"]["push"]["branches-ignore"]) == set(deploy["on"]["push"]["branches"])
    assert deploy["jobs"]["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert deploy["jobs"]["deploy"]["needs"] == "ci"


def test_ci_runs_the_readme_commands_and_the_artefact_checks(ci: dict[str, Any]) -> None:
    text = run_text(ci)
    for command in ("./phase-5/scripts/dev-up.sh", "./phase-5/scripts/test.sh"):
        assert command in text
    assert "bash phase-5/scripts/install-iac-tools.sh" in text
    assert "bash phase-5/scripts/check-iac.sh" in text
    assert "pytest tests/deploy" in text


# ---- what deploy does ---------------------------------------------------------------------


def test_images_are_built_from_the_local_clusters_containerfiles(deploy: dict[str, Any]) -> None:
    builds = [s for s in steps(deploy) if s.get("uses", "").startswith("docker/build-push-action@")]
    files = {s["with"]["file"] for s in builds}
    assert files == {f"phase-5/images/{name}/Containerfile" for name in IMAGES}
    for s in builds:
        assert s["with"]["push"] is True
        assert s["with"]["tags"].startswith("${{ vars.ACR_LOGIN_SERVER }}/")
        assert "cache-from" in s["with"], "layer cache keeps an incremental build short"


def test_release_is_atomic_with_a_two_minute_timeout(deploy: dict[str, Any]) -> None:
    text = run_text(deploy)
    (release,) = [line for line in text.splitlines() if "helm upgrade --install todo " in line]
    block = text[text.index(release) :]
    block = block[: block.index("--timeout") + len("--timeout 2m")]
    assert "phase-5/charts/phase5" in release
    assert "--atomic --wait --timeout 2m" in block
    assert "values-$DEPLOY_ENV.yaml" in block


def test_dapr_control_plane_is_the_official_chart_in_ha(deploy: dict[str, Any]) -> None:
    text = run_text(deploy)
    assert "helm upgrade --install dapr dapr --repo https://dapr.github.io/helm-charts" in text
    values = yaml.safe_load((REPO / "phase-5/terraform/aks/platform/dapr-values.yaml").read_text())
    assert values["global"]["ha"]["enabled"] is True
    assert values["global"]["mtls"] == {
        "enabled": True,
        "workloadCertTTL": "24h",
        "allowedClockSkew": "15m",
    }
    size = values["dapr_scheduler"]["cluster"]["storageSize"]
    assert size.endswith("Gi") and int(size[:-2]) >= 16
    # The pinned runtime is the local stack's.
    common = (REPO / "phase-5/scripts/lib/common.sh").read_text()
    local_version = re.search(r'DAPR_VERSION="([\d.]+)"', common)
    assert local_version and deploy["jobs"]["deploy"]["env"]["DAPR_VERSION"] == local_version.group(
        1
    )


def test_lets_encrypt_issuer_uses_the_managed_ingress() -> None:
    issuer = yaml.safe_load(
        (REPO / "phase-5/terraform/aks/platform/cluster-issuer.yaml").read_text()
    )
    acme = issuer["spec"]["acme"]
    assert acme["server"] == "https://acme-v02.api.letsencrypt.org/directory"
    assert (
        acme["solvers"][0]["http01"]["ingress"]["ingressClassName"]
        == "webapprouting.kubernetes.azure.com"
    )
    assert (
        issuer["metadata"]["name"]
        == module().outputs["helm_values"]["value"]["ingress"]["clusterIssuer"]
    )


def test_topics_are_made_by_the_local_stacks_topic_code(deploy: dict[str, Any]) -> None:
    assert "bash phase-5/scripts/kafka-topics.sh" in run_text(deploy)
    script = (REPO / "phase-5/scripts/kafka-topics.sh").read_text()
    assert "ensure_topics" in script and "lib/stack.sh" in script
    assert "SASL_SSL" in script and "2592000000" in script  # 30 days


def test_staging_tests_run_after_a_staging_release_only(deploy: dict[str, Any]) -> None:
    job = deploy["jobs"]["deploy"]
    names = [s.get("name", "") for s in job["steps"]]
    tests = names.index("Staging integration tests")
    assert tests > names.index("Release the app (helm upgrade --atomic)")
    assert job["steps"][tests]["if"] == "env.DEPLOY_ENV == 'staging'"
    assert "pytest tests/staging" in job["steps"][tests]["run"]


def test_failures_notify_slack(deploy: dict[str, Any]) -> None:
    notify = deploy["jobs"]["notify"]
    assert notify["if"] == "failure()"
    assert set(notify["needs"]) == {"ci", "deploy"}
    assert "SLACK_WEBHOOK_URL" in notify["steps"][0]["env"]


def test_every_variable_deploy_reads_is_published_from_terraform_outputs() -> None:
    text = (WORKFLOWS / "deploy.yml").read_text()
    used = set(re.findall(r"vars\.([A-Z_]+)", text))
    published = set(module().outputs["pipeline_variables"]["value"]) | {"HELM_VALUES_AZURE"}
    assert used and used <= published, used - published
    assert "HELM_VALUES_AZURE" in (REPO / "phase-5/terraform/aks/publish-outputs.sh").read_text()


def test_publish_outputs_sets_one_environment_variable_per_output(tmp_path: Path) -> None:
    # Stand-ins for `tofu output` and `gh` (neither Azure nor GitHub is reachable here):
    # the script's own logic, mapping outputs to `gh variable set`, is what runs.
    outputs = {
        "pipeline_variables": {"ACR_NAME": "acrtodostagingst01", "APP_NAMESPACE": "todo"},
        "helm_values": {"azure": {"keyVaultName": "kv-todo-stg-st01"}},
    }
    calls = tmp_path / "gh-calls.jsonl"
    (tmp_path / "tofu").write_text(
        "#!/usr/bin/env python3\nimport json, sys\n"
        f"outputs = {json.dumps(outputs)}\n"
        "assert sys.argv[1:3] == ['output', '-json'], sys.argv\n"
        "print(json.dumps(outputs[sys.argv[3]]))\n"
    )
    (tmp_path / "gh").write_text(
        "#!/usr/bin/env python3\nimport json, sys\n"
        f"open({str(calls)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
    )
    for stub in ("tofu", "gh"):
        (tmp_path / stub).chmod(0o755)
    script = REPO / "phase-5/terraform/aks/publish-outputs.sh"
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", str(script), "staging"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    made = [json.loads(line) for line in calls.read_text().splitlines()]
    assert made == [
        ["variable", "set", "ACR_NAME", "--env", "staging", "--body", "acrtodostagingst01"],
        ["variable", "set", "APP_NAMESPACE", "--env", "staging", "--body", "todo"],
        [
            "variable",
            "set",
            "HELM_VALUES_AZURE",
            "--env",
            "staging",
            "--body",
            json.dumps(outputs["helm_values"]),
        ],
    ]
    refused = subprocess.run(["bash", str(script), "prod"], env=env, capture_output=True, text=True)
    assert refused.returncode == 2
