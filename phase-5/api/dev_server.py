"""Development server for todo-api with fast reload: `python -m api.dev_server HOST PORT DIR...`.

`uvicorn --reload` spawns a fresh interpreter on every change, and importing FastAPI,
SQLAlchemy and friends takes ~2.5 s of that, over the 3 s budget for a change to be served.
Here the supervisor imports those libraries once, then forks a child per code version: the
child imports only our modules. Development only; production runs plain uvicorn."""

import os
import signal
import sys
from pathlib import Path

# Third-party only: our own modules must be imported fresh in each child.
import alembic.command  # noqa: F401
import asyncpg  # noqa: F401
import fastapi  # noqa: F401
import httpx  # noqa: F401
import jwt  # noqa: F401
import prometheus_client  # noqa: F401
import pydantic_settings  # noqa: F401
import sqlalchemy.ext.asyncio  # noqa: F401
import sqlmodel  # noqa: F401
import uvicorn
import watchfiles


def _serve(host: str, port: int) -> None:
    uvicorn.Server(uvicorn.Config("api.main:app", host=host, port=port, access_log=False)).run()


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def main(host: str, port: int, dirs: list[Path]) -> None:
    child = 0

    def on_term(*_: object) -> None:
        _stop(child)
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    while True:
        child = os.fork()
        if child == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _serve(host, port)
            os._exit(0)
        for changes in watchfiles.watch(*dirs, watch_filter=watchfiles.PythonFilter(), step=20):
            print(f"code changed ({len(changes)} files): reloading", flush=True)
            break
        _stop(child)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), [Path(d) for d in sys.argv[3:]])
