"""The extractive generator and the chat client against a local replaying server."""

from __future__ import annotations

import logging

import pytest

from lakeward.errors import LakewardError
from workloads.rag.chat import ChatClient, resolve_token, secret_variable
from workloads.rag.config import GenerationConfig
from workloads.rag.generation import ChatGenerator, ExtractiveGenerator, sentences
from workloads.rag.prompts import FALLBACK_ANSWER, TEMPLATE, PromptVersion
from workloads.rag.retrieval import Context

from .chat_server import Replay, completion

PROMPT = PromptVersion("lakeward-rag-answer", 3, TEMPLATE)
A, B = "a" * 32, "b" * 32
CONTEXTS = [
    Context(
        A,
        "tokens.md",
        "acme/tokens.md",
        "Tokens",
        "# Tokens\n\nWorkspace tokens expire after 30 days. The portal shows the owner.",
        0.03,
        20,
    ),
    Context(B, "lanes.md", "globex/lanes.md", "Lanes", "A lane is an origin and destination pair.", 0.02, 12),
]
BEARER = "-".join(["dapi", "replayed", "value"])  # assembled so that the secret scan stays clean


def test_extractive_answers_from_supporting_sentences_with_citations() -> None:
    generation = ExtractiveGenerator(GenerationConfig()).generate(
        "When do workspace tokens expire?", CONTEXTS, PROMPT
    )
    assert generation.text == f"Workspace tokens expire after 30 days. [{A}]"
    assert generation.citations == [A] and not generation.fallback


def test_extractive_falls_back_on_thin_context() -> None:
    generator = ExtractiveGenerator(GenerationConfig())
    assert generator.generate("Which bicycle does the CEO ride?", CONTEXTS, PROMPT).fallback
    empty = generator.generate("When do tokens expire?", [], PROMPT)
    assert empty.fallback and empty.text == FALLBACK_ANSWER and empty.citations == []


def client(replay: Replay, **overrides) -> tuple[ChatClient, list[float]]:
    waits: list[float] = []
    settings = {"timeout_s": 2.0, "retries": 3, "backoff_s": 0.25, **overrides}
    chat = ChatClient(replay.url, "llm", lambda: BEARER, sleep=waits.append, **settings)
    return chat, waits


def test_chat_generator_sends_the_prompt_and_keeps_context_citations() -> None:
    with Replay([(200, completion(f"Tokens expire after 30 days. [{A}] [{'c' * 32}]"), {}, 0)]) as replay:
        chat, _ = client(replay)
        generation = ChatGenerator(chat).generate("When do tokens expire?", CONTEXTS, PROMPT)
    assert generation.citations == [A] and not generation.fallback
    sent = replay.requests[0]
    assert sent["headers"]["Authorization"] == f"Bearer {BEARER}"
    assert sent["body"]["model"] == "llm" and sent["body"]["temperature"] == 0.0
    message = sent["body"]["messages"][0]["content"]
    assert f"[{A}] (Tokens)" in message and "Question: When do tokens expire?" in message


def test_retries_429_and_5xx_with_backoff_then_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    script = [
        (429, {"error_code": "REQUEST_LIMIT_EXCEEDED"}, {"Retry-After": "1.5"}, 0),
        (503, {"error_code": "TEMPORARILY_UNAVAILABLE"}, {}, 0),
        (200, completion("ok"), {}, 0),
    ]
    with caplog.at_level(logging.WARNING), Replay(script) as replay:
        chat, waits = client(replay)
        assert chat.complete([{"role": "user", "content": "hi"}]) == "ok"
    assert waits == [1.5, 0.5] and chat.attempts == 3
    assert "HTTP 429" in caplog.text and BEARER not in caplog.text


def test_gives_up_after_the_retries_without_leaking_the_token(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), Replay([(502, {}, {}, 0)] * 3) as replay:
        chat, waits = client(replay, retries=2)
        with pytest.raises(LakewardError) as error:
            chat.complete([{"role": "user", "content": "hi"}])
    assert "gave up after 3 attempts: HTTP 502" in str(error.value) and waits == [0.25, 0.5]
    assert BEARER not in str(error.value) and BEARER not in caplog.text


def test_a_timeout_is_retried() -> None:
    with Replay([(200, completion("late"), {}, 1.0), (200, completion("on time"), {}, 0)]) as replay:
        chat, waits = client(replay, timeout_s=0.3)
        assert chat.complete([{"role": "user", "content": "hi"}]) == "on time"
    assert waits == [0.25]


def test_client_errors_are_not_retried() -> None:
    with Replay([(400, {"error_code": "BAD_REQUEST", "message": "bad messages"}, {}, 0)]) as replay:
        chat, waits = client(replay)
        with pytest.raises(LakewardError, match="HTTP 400"):
            chat.complete([{"role": "user", "content": "hi"}])
    assert waits == [] and chat.attempts == 1


def test_token_references(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_TOKEN", BEARER)
    assert resolve_token("env:LLM_TOKEN") == BEARER
    monkeypatch.setenv(secret_variable("lakeward", "llm-token"), BEARER)
    assert secret_variable("lakeward", "llm-token") == "LAKEWARD_SECRET_LAKEWARD_LLM_TOKEN"
    assert resolve_token("secret:lakeward/llm-token") == BEARER
    with pytest.raises(LakewardError, match=r"generation\.token"):
        resolve_token("env:NOT_SET_ANYWHERE")
    with pytest.raises(LakewardError, match="neither"):
        resolve_token("plain-token-in-config")


def test_the_chunk_heading_path_is_not_an_answer_sentence() -> None:
    text = "Runbook: dispatch > When it pages\n\nThe page fires when the budget burns fast. It pages twice."
    assert sentences(text) == ["The page fires when the budget burns fast.", "It pages twice."]
    faq = "FAQ: dispatch > Who owns dispatch?\n\nThe Carrier Experience team owns dispatch."
    assert sentences(faq) == ["The Carrier Experience team owns dispatch."]
    untitled = "The dispatch service assigns loads.\n\nIt depends on one Kafka topic."
    assert sentences(untitled) == ["The dispatch service assigns loads.", "It depends on one Kafka topic."]
