"""Hot reload in dev mode (target: a code change served within 3 s, nothing else restarted).

Edits the /healthz handler to answer a fresh marker, polls until the API serves it, and
puts the file back. Needs todo-api started by `scripts/dev-up.sh` without --no-reload.
Usage: uv run python bench/bench_reload.py [ROUNDS]"""

import sys
import time
import uuid
from pathlib import Path

import httpx

HEALTH = Path(__file__).resolve().parents[1] / "api" / "health.py"
ORIGINAL = 'return {"status": "ok"}'


def once(client: httpx.Client) -> float:
    marker = uuid.uuid4().hex[:8]
    source = HEALTH.read_text()
    assert ORIGINAL in source, "health.py changed shape; update the bench"
    start = time.perf_counter()
    HEALTH.write_text(source.replace(ORIGINAL, f'return {{"status": "ok", "probe": "{marker}"}}'))
    try:
        while time.perf_counter() - start < 30:
            try:
                if client.get("/healthz").json().get("probe") == marker:
                    return time.perf_counter() - start
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise SystemExit("change not served within 30 s: is todo-api running with --reload?")
    finally:
        HEALTH.write_text(source)
        time.sleep(2)  # let the reload of the restored file finish before the next round


def main(rounds: int) -> None:
    with httpx.Client(base_url="http://127.0.0.1:8000", timeout=2) as client:
        times = [once(client) for _ in range(rounds)]
    print(
        "code change served after: "
        + ", ".join(f"{t:.2f} s" for t in times)
        + f" (max {max(times):.2f} s)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
