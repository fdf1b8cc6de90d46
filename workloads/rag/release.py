"""The release gate: promote `candidate` to `champion` only when the configured thresholds hold.

A candidate is registered by `lakeward eval --register`, so its source run carries its metrics. The
gate checks them against the thresholds and, when a champion exists, checks that hybrid nDCG@10 has
not regressed by more than `max_regression`. A failed gate names each failing metric.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from lakeward.errors import LakewardError
from workloads.rag.config import RagConfig, ReleaseThresholds

CANDIDATE, CHAMPION = "candidate", "champion"


@dataclass(frozen=True)
class Check:
    metric: str
    value: float | None
    operator: str
    threshold: float
    passed: bool


@dataclass
class ReleaseResult:
    model: str
    candidate: str
    champion_before: str | None
    promoted: bool
    checks: list[Check] = field(default_factory=list)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def to_json(self) -> dict:
        return {**asdict(self), "failures": [c.metric for c in self.failures]}


def _check(metrics: dict[str, float], metric: str, operator: str, threshold: float) -> Check:
    value = metrics.get(metric)
    passed = value is not None and (value >= threshold if operator == ">=" else value <= threshold)
    return Check(metric, value, operator, round(threshold, 6), passed)


def gate_checks(
    client, name: str, version: str, champion: str | None, gate: ReleaseThresholds
) -> list[Check]:
    """The release thresholds on the metrics of `version`'s source run and, when a champion other than
    `version` exists, no regression of hybrid nDCG@10 beyond `gate.max_regression`."""
    run = client.get_run(client.get_model_version(name, version).run_id)
    metrics = run.data.metrics
    checks = [
        _check(metrics, "hybrid.ndcg_at_10", ">=", gate.min_ndcg_at_10),
        _check(metrics, "hybrid.recall_at_10", ">=", gate.min_recall_at_10),
        _check(metrics, "answers.citation_precision", ">=", gate.min_citation_precision),
        _check(metrics, "answers.fallback_rate", "<=", gate.max_fallback_rate),
        _check(metrics, "answers.latency_p99_ms", "<=", gate.max_latency_p99_ms),
    ]
    if "answers.correctness" in metrics:
        checks.append(_check(metrics, "answers.correctness", ">=", gate.min_correctness))
    if run.data.params.get("generator", "extractive") != "extractive":
        checks.append(_check(metrics, "answers.groundedness", ">=", gate.min_groundedness))
    if champion is not None and champion != version:
        champion_run = client.get_model_version(name, champion).run_id
        best = client.get_run(champion_run).data.metrics.get("hybrid.ndcg_at_10", 0.0)
        check = _check(metrics, "hybrid.ndcg_at_10", ">=", best - gate.max_regression)
        checks.append(
            Check("hybrid.ndcg_at_10 vs champion", check.value, ">=", check.threshold, check.passed)
        )
    return checks


def alias_version(client, name: str, alias: str) -> str | None:
    """The version under `alias`, or None when the alias is not set."""
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def release(tracking: Path, config: RagConfig) -> ReleaseResult:
    """Gate the candidate; move the `champion` alias to it when every check passes."""
    from mlflow import MlflowClient

    from workloads import openlineage
    from workloads.rag.tracking import use_tracking, version_by_alias

    use_tracking(tracking)
    client, name = MlflowClient(), config.model_name
    candidate = version_by_alias(
        tracking, name, CANDIDATE, "candidate", "register one with `lakeward eval ... --register`"
    )
    champion = alias_version(client, name, CHAMPION)
    checks = gate_checks(client, name, str(candidate.version), champion, config.release)
    result = ReleaseResult(name, candidate.version, champion, False, checks)
    if not result.failures:
        client.set_registered_model_alias(name, CHAMPION, candidate.version)
        result.promoted = True
        run_id = openlineage.new_run_id()
        source = openlineage.dataset(f"models:/{name}", version=candidate.version)
        released = openlineage.dataset(f"models:/{name}@{CHAMPION}", version=candidate.version)
        openlineage.emit(tracking, "lakeward.rag.release", "COMPLETE", run_id, [source], [released])
    return result


def failure_message(result: ReleaseResult) -> LakewardError:
    """The error a blocked release exits with: every failing metric with its value and threshold."""
    parts = [
        f"{c.metric} = {'missing' if c.value is None else round(c.value, 4)} "
        f"(needs {c.operator} {c.threshold:g})"
        for c in result.failures
    ]
    return LakewardError(
        f"candidate version {result.candidate} of {result.model} was not promoted: " + "; ".join(parts),
        field=result.failures[0].metric,
        fix="improve the candidate and register it again, or change the release thresholds on purpose",
        exit_code=4,
    )
