"""The Terraform through the field's own tools: OpenTofu's formatter, OpenTofu evaluating
the variables' validation rules against both environment files, and checkov. Each check is
also shown to fail on a planted mistake, so a green run means something."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.deploy.iac_tools import PHASE5, ensure_installed, run
from tests.deploy.terraform_hcl import ENVIRONMENTS, MODULE

VAPID_PUBLIC = "B" + "x" * 86
SECRETS = {
    "TF_VAR_redpanda_bootstrap_url": "seed-abc.any.eu-central-1.mpx.prd.cloud.redpanda.com:9092",
    "TF_VAR_redpanda_sasl_username": "todo-services",
    "TF_VAR_redpanda_sasl_password": "correct-horse-battery-staple-" + uuid.uuid4().hex,
    "TF_VAR_smtp_password": "smtp-" + uuid.uuid4().hex,
    "TF_VAR_vapid_private_key_pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
}


# ---- tofu fmt -----------------------------------------------------------------------------


def test_tofu_fmt_finds_nothing_to_change() -> None:
    result = run("tofu", "fmt", "-check", "-recursive", "-diff", str(PHASE5 / "terraform"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_tofu_fmt_check_fails_on_a_misaligned_file(tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_text("locals {\n  a = 1\n  bbb = 2\n}\n")
    result = run("tofu", "fmt", "-check", str(tmp_path))
    assert result.returncode != 0
    assert "bad.tf" in result.stdout


# ---- the variables' validation rules, evaluated by OpenTofu ---------------------------------
# A module made of variables.tf alone needs no provider, so OpenTofu can plan it offline:
# every type and validation rule is evaluated against the real environment files.


@pytest.fixture(scope="module")
def variables_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ensure_installed()
    workdir = tmp_path_factory.mktemp("variables-only")
    shutil.copy(MODULE / "variables.tf", workdir)
    shutil.copytree(MODULE / "environments", workdir / "environments")
    result = run("tofu", "init", "-backend=false", "-input=false", "-no-color", cwd=workdir)
    assert result.returncode == 0, result.stderr
    return workdir


def plan(
    workdir: Path, env: str, *overrides: str, secrets: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    real = [
        f"subscription_id={uuid.uuid4()}",
        f'admin_group_object_ids=["{uuid.uuid4()}"]',
        f"vapid_public_key={VAPID_PUBLIC}",
    ]
    args = [
        "plan",
        "-input=false",
        "-no-color",
        "-lock=false",
        f"-var-file=environments/{env}.tfvars",
    ]
    for assignment in [*real, *overrides]:
        args += ["-var", assignment]
    return run("tofu", *args, cwd=workdir, env={**SECRETS, **(secrets or {})})


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_environment_files_pass_every_validation_rule(variables_only: Path, env: str) -> None:
    result = plan(variables_only, env)
    assert result.returncode == 0, result.stdout + result.stderr
    # Secret values never show up in what OpenTofu prints.
    for value in SECRETS.values():
        assert value not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("subscription_id=00000000-0000-0000-0000-000000000000", "placeholder"),
        ("log_retention_days=29", "log_retention_days must be between 30 and 730"),
        ("environment=dev", "environment must be staging or production"),
        ('system_pool={vm_size="Standard_D2ds_v5", min_count=2, max_count=3}', "one node per zone"),
        ('api_server_authorized_ip_ranges=["0.0.0.0/0"]', "not 0.0.0.0/0"),
        ("vapid_public_key=short", "87-character base64url"),
        ("public_hostname=Not A Host", "fully qualified host name"),
    ],
)
def test_validation_rules_refuse_bad_values(
    variables_only: Path, override: str, message: str
) -> None:
    result = plan(variables_only, "staging", override)
    assert result.returncode != 0
    assert message in re.sub(r"\s+", " ", result.stderr), result.stderr


def test_a_refused_secret_is_not_echoed(variables_only: Path) -> None:
    bad = "no-port-" + uuid.uuid4().hex
    result = plan(variables_only, "staging", secrets={"TF_VAR_redpanda_bootstrap_url": bad})
    assert result.returncode != 0
    assert "redpanda_bootstrap_url must be host:port" in re.sub(r"\s+", " ", result.stderr)
    assert bad not in result.stdout + result.stderr


# ---- checkov ------------------------------------------------------------------------------


def checkov(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(
        "checkov",
        "--quiet",
        "--compact",
        "--skip-download",
        "--framework",
        "terraform",
        "-d",
        str(directory),
        *args,
        env={"BC_SKIP_MAPPING": "TRUE"},
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_checkov_passes_on_the_module(env: str) -> None:
    result = checkov(MODULE, "--var-file", str(MODULE / "environments" / f"{env}.tfvars"))
    assert result.returncode == 0, result.stdout[-6000:]
    passed = re.search(r"Passed checks: (\d+), Failed checks: (\d+)", result.stdout)
    assert passed, result.stdout[-2000:]
    assert int(passed.group(1)) >= 50 and int(passed.group(2)) == 0


def test_every_checkov_skip_says_why() -> None:
    skips = re.findall(
        r"checkov:skip=([A-Z0-9_]+)(?::(.*))?",
        "\n".join(p.read_text() for p in MODULE.glob("*.tf")),
    )
    for check, reason in skips:
        assert reason and len(reason.strip()) >= 20, f"{check}: no reason given"


def test_checkov_fails_a_vault_without_purge_protection(tmp_path: Path) -> None:
    (tmp_path / "kv.tf").write_text(
        'resource "azurerm_key_vault" "bad" {\n'
        '  name                     = "kv-bad"\n'
        '  location                 = "westeurope"\n'
        '  resource_group_name      = "rg"\n'
        '  tenant_id                = "00000000-0000-0000-0000-000000000000"\n'
        '  sku_name                 = "standard"\n'
        "  purge_protection_enabled = false\n"
        "}\n"
    )
    result = checkov(tmp_path)
    assert result.returncode != 0
    assert "CKV_AZURE_110" in result.stdout
