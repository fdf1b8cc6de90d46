"""The registered model behind MLflow's real model server answers over HTTP with citations."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from workloads.rag.lineage import explain


def post(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{url}/invocations", data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_served_model_answers_with_citations(server) -> None:
    url, request = server
    question = "Rapamycin delays aging in fruit flies."
    status, body = post(
        url,
        {"dataframe_records": [{"question": question}, {"question": "Hi, my card is 4111 1111 1111 1111"}]},
    )
    assert status == 200 and len(body["predictions"]) == 2
    answer = body["predictions"][0]
    assert not answer["fallback"] and answer["citations"][0]["doc_id"] == "6277638"
    assert {"chunk_id", "doc_id", "source"} <= set(answer["citations"][0])
    assert f"[{answer['citations'][0]['chunk_id']}]" in answer["answer"]
    assert answer["lineage"]["model"] == {
        "name": "lakeward-rag",
        "alias": "champion",
        "version": answer["lineage"]["model"]["version"],
    }
    assert answer["prompt"]["uri"].startswith("prompts:/lakeward-rag-answer/")
    assert "4111 1111 1111 1111" not in json.dumps(body["predictions"][1])
    path = explain(answer, request.lakehouse)[0]
    assert path["source"].startswith("corpus.jsonl#") and path["model"]["alias"] == "champion"
    assert served_trace(request.tracking, answer["trace_id"]) is not None


def served_trace(tracking, trace_id: str):
    """The server's trace of a request (its exporter is asynchronous, so wait for it briefly)."""
    import time

    import mlflow

    from workloads.rag.tracking import tracking_uri

    client = mlflow.MlflowClient(tracking_uri=tracking_uri(tracking))
    deadline = time.monotonic() + 20
    while True:
        try:
            trace = client.get_trace(trace_id)
            names = {span.name for span in trace.data.spans}
            assert {"rag.answer", "retrieve.hybrid", "generate"} <= names
            return trace
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.parametrize(
    "payload", [{"dataframe_records": [{"query": "no question column"}]}, {"nonsense": 1}]
)
def test_bad_requests_are_rejected(server, payload: dict) -> None:
    url, _ = server
    status, _ = post(url, payload)
    assert 400 <= status < 500 or status == 500


def test_serving_an_alias_nobody_registered_is_a_clear_error(tmp_path) -> None:
    from lakeward.errors import LakewardError
    from workloads.rag.config import RagConfig
    from workloads.rag.serving import server_command

    with pytest.raises(LakewardError) as caught:
        server_command(tmp_path / "mlflow", RagConfig(), "champion", port=5999)
    assert caught.value.field == "--alias" and "has no `champion` version" in caught.value.message
