"""Schemathesis against /openapi.json: no generated input may produce a server error, and
every response must be what the document says (status code, content type, headers, body
schema: the error schema included)."""

import subprocess

from tests.support.stack import API, P5, new_user, token


def test_schemathesis_finds_no_server_errors_and_no_contract_breaks(stack: str) -> None:
    proc = subprocess.run(
        [
            str(P5 / ".venv/bin/schemathesis"),
            "run",
            f"{API.url}/openapi.json",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,"
            "response_headers_conformance,response_schema_conformance",
            "--header",
            f"Authorization: Bearer {token(new_user())}",
            "--max-examples",
            "30",
            "--generation-deterministic",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd="/tmp",
    )
    tail = proc.stdout[-4000:]
    assert proc.returncode == 0, tail
    assert "Server error" not in tail
    assert " passed" in tail
