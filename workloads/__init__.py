"""Workloads: ingest, scrub, chunk, embed and index documents on Delta tables, locally or on Spark.

Entry points: `pipeline.run_pipeline` (and the `lakeward pipeline run` command), `jobs` for the
Databricks wheel tasks, and `indexing.load_index` for retrieval over what a run built.
"""
