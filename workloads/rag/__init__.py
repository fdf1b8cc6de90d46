"""The RAG model: retrieve, answer with citations, guard, evaluate, trace and release through MLflow."""
