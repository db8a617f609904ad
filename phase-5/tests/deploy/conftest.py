"""The deploy tier: charts rendered with the real helm, no cluster needed."""

import pytest

from tests.deploy.manifests import ENVIRONMENTS, Manifest, render_dapr, render_ours


@pytest.fixture(scope="session")
def ours() -> dict[str, list[Manifest]]:
    return {env: render_ours(env) for env in ENVIRONMENTS}


@pytest.fixture(scope="session")
def dapr() -> dict[str, list[Manifest]]:
    return {env: render_dapr(env) for env in ENVIRONMENTS}
