"""The server speaking the protocol before any client has set it up."""

from __future__ import annotations

import json
import subprocess

from tests.lsp.harness import REPO, SERVER


def test_a_request_before_initialize_is_answered_server_not_initialized() -> None:
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "textDocument/hover",
            "params": {"textDocument": {"uri": "file:///nowhere/x.avt"}, "position": {"line": 0, "character": 0}},
        }
    )
    server = subprocess.Popen(
        [*SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=str(REPO)
    )
    try:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write(f"Content-Length: {len(body)}\r\n\r\n{body}".encode())
        server.stdin.flush()
        headers = {}
        while (line := server.stdout.readline().strip()) != b"":
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        answer = json.loads(server.stdout.read(int(headers[b"content-length"])))
        assert answer["error"]["code"] == -32002
    finally:
        server.kill()
        server.wait(10)
