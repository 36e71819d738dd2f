"""Benchmarks: `python -m bench [all|NAME] [--quick]` prints figures and rewrites docs/benchmarks.md."""
