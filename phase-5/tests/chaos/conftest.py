"""The chaos tests kill processes of the shared stack, so they run last: whatever a drill
leaves behind (a restarted broker's cold caches, a sidecar still reconnecting) cannot slow
or fail a test of another tier. The long drills (`@pytest.mark.drills`: minutes of slowness,
a full disk, more pairs of killed processes) stay out of a plain run, so CI's time is kept;
`bench.sh --drills` runs them with `-m drills`, and any marker expression naming `drills`
selects them."""

from pathlib import Path

import pytest

CHAOS = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "drills: long chaos drill, run by `bench.sh --drills` (pytest -m drills)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "drills" not in (config.option.markexpr or ""):
        long = [i for i in items if i.get_closest_marker("drills")]
        if long:
            config.hook.pytest_deselected(items=long)
            items[:] = [i for i in items if not i.get_closest_marker("drills")]
    # Stable partition: every other test first, in its order, then the chaos tests in theirs.
    items.sort(key=lambda i: CHAOS in i.path.parents)
