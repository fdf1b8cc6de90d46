"""A chat completions client for Databricks model serving or any OpenAI-compatible API.

Retries 429 and 5xx answers and timeouts with exponential backoff (honouring `Retry-After`), gives up
after the configured number of retries, and never puts the token in a log line or an error message.
The token comes from configuration as `env:VARIABLE` or `secret:SCOPE/KEY`: a secret is read with
`dbutils` on Databricks, elsewhere from the variable `LAKEWARD_SECRET_<SCOPE>_<KEY>` (a serving
endpoint sets it from `{{secrets/SCOPE/KEY}}` in its environment variables).
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from lakeward.errors import LakewardError
from workloads.rag.config import GenerationConfig

log = logging.getLogger(__name__)
RETRYABLE = {408, 429, 500, 502, 503, 504}
MAX_RETRY_AFTER_S = 30.0


def secret_variable(scope: str, key: str) -> str:
    return "LAKEWARD_SECRET_" + re.sub(r"[^A-Z0-9]", "_", f"{scope}_{key}".upper())


def resolve_token(reference: str | None, field: str = "generation.token") -> str | None:
    """The token a reference names, or None when no token is configured."""
    if reference is None:
        return None
    kind, _, name = reference.partition(":")
    if kind == "env" and name:
        value = os.environ.get(name)
        if not value:
            raise LakewardError(
                f"environment variable {name} is not set", field=field, fix=f"export {name}=..."
            )
        return value
    if kind == "secret" and "/" in name:
        scope, key = name.split("/", 1)
        if os.environ.get("DATABRICKS_RUNTIME_VERSION"):
            from databricks.sdk.runtime import dbutils

            return dbutils.secrets.get(scope=scope, key=key)
        variable = secret_variable(scope, key)
        if os.environ.get(variable):
            return os.environ[variable]
        raise LakewardError(
            f"secret {scope}/{key} is not available here",
            field=field,
            fix=f"run on Databricks, or set {variable} "
            f"(on a serving endpoint, to {{{{secrets/{scope}/{key}}}}})",
        )
    raise LakewardError("is neither env:VARIABLE nor secret:SCOPE/KEY", field=field, fix="e.g. env:LLM_TOKEN")


@dataclass
class ChatClient:
    url: str
    model: str | None
    token: Callable[[], str | None]
    timeout_s: float = 30.0
    retries: int = 4
    backoff_s: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    attempts: int = 0

    @classmethod
    def from_config(cls, config: GenerationConfig) -> ChatClient:
        if not config.url:
            raise LakewardError(
                "is required for the chat generator",
                field="generation.url",
                fix="set the serving endpoint's invocations URL or an OpenAI-compatible chat completions URL",
            )
        reference = config.token
        return cls(
            config.url,
            config.model,
            lambda: resolve_token(reference),
            config.timeout_s,
            config.retries,
            config.backoff_s,
        )

    def _request(self, body: bytes) -> urllib.request.Request:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        token = self.token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return urllib.request.Request(self.url, data=body, headers=headers, method="POST")

    def complete(self, messages: list[dict], max_tokens: int = 512, temperature: float = 0.0) -> str:
        """The first choice's message content; raises `LakewardError` once the retries are spent."""
        payload: dict = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature}
        if self.model:
            payload["model"] = self.model
        body = json.dumps(payload).encode("utf-8")
        last = ""
        for attempt in range(self.retries + 1):
            self.attempts += 1
            wait = self.backoff_s * 2**attempt
            try:
                with urllib.request.urlopen(self._request(body), timeout=self.timeout_s) as response:
                    answer = json.loads(response.read().decode("utf-8"))
                return answer["choices"][0]["message"]["content"] or ""
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode("utf-8", "replace")[:300]
                if exc.code not in RETRYABLE:
                    raise LakewardError(
                        f"HTTP {exc.code}: {detail}",
                        source=self.url,
                        field="generation.url",
                        fix="check the endpoint URL, the model name and the token's permissions",
                    ) from None
                last = f"HTTP {exc.code}"
                retry_after = exc.headers.get("Retry-After")
                if retry_after and retry_after.replace(".", "", 1).isdigit():
                    wait = min(float(retry_after), MAX_RETRY_AFTER_S)
            except TimeoutError:
                last = f"timed out after {self.timeout_s:g} s"
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, TimeoutError | socket.timeout):
                    last = f"timed out after {self.timeout_s:g} s"
                else:
                    last = f"cannot connect ({exc.reason})"
            except (KeyError, IndexError, json.JSONDecodeError) as exc:
                raise LakewardError(
                    f"answered without choices[0].message.content ({exc.__class__.__name__})",
                    source=self.url,
                    field="generation.url",
                    fix="point generation.url at a chat completions endpoint",
                ) from None
            if attempt < self.retries:
                log.warning(
                    "chat endpoint: %s; retry %d of %d in %.2f s", last, attempt + 1, self.retries, wait
                )
                self.sleep(wait)
        raise LakewardError(
            f"gave up after {self.retries + 1} attempts: {last}",
            source=self.url,
            field="generation.url",
            fix="check that the endpoint is up; raise generation.retries or generation.timeout_s",
            exit_code=3,
        )
