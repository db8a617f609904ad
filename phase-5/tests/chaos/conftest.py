"""The long drills (`@pytest.mark.drills`: minutes of slowness, a full disk, more pairs of
killed processes) stay out of a plain run, so CI's time is kept; `bench.sh --drills` runs
them with `-m drills`, and any marker expression naming `drills` selects them."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "drills: long chaos drill, run by `bench.sh --drills` (pytest -m drills)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "drills" in (config.option.markexpr or ""):
        return
    long = [i for i in items if i.get_closest_marker("drills")]
    if long:
        config.hook.pytest_deselected(items=long)
        items[:] = [i for i in items if not i.get_closest_marker("drills")]
