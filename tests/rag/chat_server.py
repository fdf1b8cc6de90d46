"""A tiny chat completions server on 127.0.0.1 that replays scripted, documented-shape responses."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(content: str) -> dict:
    """A response in the documented OpenAI / Databricks chat completions shape."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1764150000,
        "model": "databricks-meta-llama-3-3-70b-instruct",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 20, "total_tokens": 140},
    }


class Replay:
    """Serves `script` in order: (status, body, headers, delay seconds); records each request."""

    def __init__(self, script: list[tuple[int, dict, dict, float]]) -> None:
        self.script, self.requests = list(script), []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                replay.requests.append(
                    {"headers": dict(self.headers), "body": json.loads(self.rfile.read(length))}
                )
                status, body, headers, delay = replay.script.pop(0) if replay.script else (500, {}, {}, 0)
                time.sleep(delay)
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/serving-endpoints/llm/invocations"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Replay:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
