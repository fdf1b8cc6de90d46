"""The retrieval stack: the Vector Search endpoint and a Delta Sync index per table set, applied after
the workspace and tenant stacks; no endpoint anywhere else and none without an index."""

from __future__ import annotations

import pytest

from infra.config import Environment, load_environment
from lakeward.ci.summary import waits_for
from lakeward.tenants.loader import load_tenants, tenants_in
from lakeward.tenants.namespace import Namespace
from stacks.names import RETRIEVAL, parse_stack_id, stack_id
from tests.footprint import Synthesized, reference
from workloads import vector_index
from workloads.model import DIMENSION
from workloads.tables import EMBEDDINGS


@pytest.fixture(params=["dev", "prod"])
def case(
    request: pytest.FixtureRequest, synthesized: dict[str, Synthesized]
) -> tuple[Synthesized, Environment]:
    return synthesized[request.param], load_environment(request.param)


def test_the_endpoint_lives_in_the_retrieval_stack_only(case: tuple[Synthesized, Environment]) -> None:
    synth, env = case
    _, endpoint = synth.one("retrieval", "databricks_vector_search_endpoint")
    assert endpoint["name"] == env.serving.vector_search_endpoint and endpoint["endpoint_type"] == "STANDARD"
    elsewhere = [
        stack
        for stack, kind, _, _ in synth.all_resources()
        if kind == "databricks_vector_search_endpoint" and parse_stack_id(stack).kind != RETRIEVAL
    ]
    assert elsewhere == []


def test_one_delta_sync_index_per_table_set_keyed_by_chunk_id(
    case: tuple[Synthesized, Environment],
) -> None:
    synth, env = case
    indexes = synth.resources("retrieval", "databricks_vector_search_index")
    active = [t for t in tenants_in(env.name, load_tenants()) if not t.archived]
    catalogs = {env.catalog.name} | {Namespace.of(t, env).catalog for t in active}
    assert {body["name"] for body in indexes.values()} == {vector_index.index_name(c) for c in catalogs}
    for body in indexes.values():
        assert body["index_type"] == "DELTA_SYNC" and body["primary_key"] == "chunk_id"
        kind, _, attribute = reference(body["endpoint_name"])
        assert (kind, attribute) == ("databricks_vector_search_endpoint", "name")
        spec = body["delta_sync_index_spec"]
        catalog = body["name"].split(".")[0]
        assert spec["source_table"] == f"{catalog}.curated.embeddings"
        assert spec["pipeline_type"] == env.serving.vector_search_sync
        assert spec["embedding_vector_columns"] == [{"name": "embedding", "embedding_dimension": 384}]
        assert {"text", "tenant", "classification"} <= set(spec["columns_to_sync"])


def test_the_synced_columns_are_columns_of_the_embeddings_table() -> None:
    """An index over a column its source lacks fails at creation; the names come from one module."""
    names = set(EMBEDDINGS.schema.names)
    assert {vector_index.PRIMARY_KEY, vector_index.VECTOR_COLUMN, *vector_index.SYNCED_COLUMNS} <= names
    assert EMBEDDINGS.keys == (vector_index.PRIMARY_KEY,)
    assert vector_index.DIMENSION == DIMENSION, "the index states the embedding model's dimension"


def test_retrieval_is_deployed_after_the_workspace_and_the_tenants(dev_env: Environment) -> None:
    from cdktn import App

    from stacks.app import APP_CONTEXT, build_footprint

    footprint = build_footprint(
        App(context=APP_CONTEXT), dev_env, backend="local", tenants=tenants_in("dev", load_tenants())
    )
    order = [stack.node.id for stack in footprint.stacks()]
    before = [footprint.workspace.node.id, *(stack.node.id for stack in footprint.tenants)]
    retrieval = order.index(footprint.retrieval.node.id)
    assert all(order.index(stack) < retrieval for stack in before)
    assert order.index(footprint.serving.node.id) > retrieval
    assert set(before) <= {stack.node.id for stack in footprint.retrieval.dependencies}


def test_each_index_waits_for_a_guarded_read_of_its_source_table(
    case: tuple[Synthesized, Environment],
) -> None:
    """Planned before its tables exist, the stack stops at a plan-time read with the message form
    `lakeward ci summary` reports as waiting for `lakeward bootstrap` (lakeward/ci/summary.py), and a
    table without change data feed stops it too (infra/workspace/vector_search.py cites the provider)."""
    synth, env = case
    data = synth.stack("retrieval")["data"]
    listings, tables = data["databricks_tables"], data["databricks_table"]
    indexes = synth.resources("retrieval", "databricks_vector_search_index")
    assert len(listings) == len(tables) == len(indexes)
    command = f"lakeward bootstrap --env {env.name}"
    # A tenant planned in the same change has no catalog yet: listing its tables would fail the read, so
    # the catalogs are read first, with the same message form.
    [(catalogs_id, catalogs)] = data["databricks_catalogs"].items()
    present = {check["condition"]: check["error_message"] for check in catalogs["lifecycle"]["postcondition"]}
    assert len(present) == len(indexes)
    for body in indexes.values():
        source = body["delta_sync_index_spec"]["source_table"]
        catalog, schema, _ = source.split(".")
        [(listing_id, listing)] = [
            (key, value) for key, value in listings.items() if value["catalog_name"] == catalog
        ]
        assert listing["schema_name"] == schema
        assert listing["depends_on"] == [f"data.databricks_catalogs.{catalogs_id}"]
        missing = present[f'${{contains(self.ids, "{catalog}")}}']
        assert missing.endswith(f"so {source} does not exist: run `{command}`")
        (exists,) = listing["lifecycle"]["postcondition"]
        assert exists["condition"] == f'${{contains(self.ids, "{source}")}}'
        assert exists["error_message"] == f"{source} does not exist: run `{command}`"
        for message in (exists["error_message"], missing):
            error = f"Resource postcondition failed {message}"
            assert waits_for([error], stack_id(env.name, RETRIEVAL)) == ("tenant-tables", command)
        [(table_id, table)] = [(key, value) for key, value in tables.items() if value["name"] == source]
        assert table["depends_on"] == [f"data.databricks_tables.{listing_id}"]
        (change_feed,) = table["lifecycle"]["postcondition"]
        assert '"delta.enableChangeDataFeed"]' in change_feed["condition"]
        assert change_feed["condition"].endswith('== "true"}')
        assert body["depends_on"] == [f"data.databricks_table.{table_id}"]
