"""How long the delivery worker keeps trying to record an outcome after a send: most of the
claim's lease, since giving up lets the lease expire and the message go out again."""

import pytest

from notifications.worker import record_budget


def test_a_database_restart_of_twelve_seconds_fits_in_the_budget() -> None:
    # claimed at t=100 with a 30 s lease, the send took half a second
    assert record_budget(100.0, 30.0, 100.5) == pytest.approx(26.5)
    assert record_budget(100.0, 30.0, 100.5) > 12


def test_the_budget_ends_before_the_lease_does_but_never_below_a_few_tries() -> None:
    assert record_budget(100.0, 30.0, 126.0) == pytest.approx(3.0)
    assert record_budget(100.0, 30.0, 200.0) == pytest.approx(3.0)
