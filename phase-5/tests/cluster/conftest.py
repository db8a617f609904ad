"""The on-cluster tier: runs only against the local Kubernetes cluster that
scripts/test-cluster.sh (or dev-up.sh --k8s) started; P5_CLUSTER_TESTS=1 says it is up.
Without it these files are not collected at all (the process-stack tiers never see them)."""

import os
from collections.abc import Iterator

import httpx
import pytest

from tests.cluster.kube import API_URL, require_cluster

if os.environ.get("P5_CLUSTER_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def cluster() -> None:
    require_cluster()


@pytest.fixture
def api(cluster: None) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{API_URL}/api/v1", timeout=30) as client:
        yield client
