"""Metrics: pure functions of a replication's records (no SimPy here)."""
