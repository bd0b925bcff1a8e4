"""Benchmarks of release-gate (not tests): see docs/benchmarks.md."""
