"""Lakeward: platform-as-code for governed LLM pipelines on Databricks (AWS)."""

__version__ = "0.1.0"
