"""Kill -9 under load, restart through dev-up.sh, and time it: the drills' one procedure."""

import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass

from tests.chaos.load import Load
from tests.support.stack import eventually, kill, run_script

# The processes of the stack the drills kill, by their pid-file names (scripts/lib/procs.sh).
SIDECARS = tuple(
    f"{app}-daprd" for app in ("todo-api", "recurring-task-service", "notification-service")
)
SERVICES = ("todo-api", "recurring-task-service", "notification-service")
CONTROL_PLANE = ("placement", "scheduler")
STORES = ("kafka", "postgres")
EVERY_ONE = (*STORES, *CONTROL_PLANE, *SERVICES, *SIDECARS)


@dataclass(frozen=True)
class Step:
    victims: tuple[str, ...]
    restart_s: float  # dev-up.sh, from its start until it reports the stack healthy
    recovered_s: float  # from the kill until the engine made instances again
    failed_calls: int  # API calls of the load that failed while this step ran

    def line(self) -> str:
        return (
            f"kill -9 {' + '.join(self.victims):<50} restart {self.restart_s:5.1f} s  "
            f"recovered {self.recovered_s:5.1f} s  failed calls {self.failed_calls}"
        )


def kill_and_recover(load: Load, victims: Sequence[str]) -> Step:
    """Kills the victims together, lets the load run into the hole, restarts what is down
    and waits until completions turn into next instances again."""
    before = load.engine_instances()
    failed_before = sum(load.errors.values())
    t0 = time.monotonic()
    for victim in victims:
        kill(victim, signal.SIGKILL)
    # The load must meet the outage: a few calls (the reminder loop calls every 1.5 s).
    seen = load.attempts
    eventually(lambda: load.attempts >= seen + 3, timeout=60)
    t1 = time.monotonic()
    run_script("dev-up.sh", "--no-reload", timeout=600)
    t2 = time.monotonic()
    load.wait_progress(before, more=2, timeout=240)
    t3 = time.monotonic()
    return Step(tuple(victims), t2 - t1, t3 - t0, sum(load.errors.values()) - failed_before)
