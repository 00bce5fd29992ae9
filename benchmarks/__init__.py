"""Benchmarks: speed and memory as ratios against hand-written DuckDB SQL on the same data, same run.

Run with `python -m benchmarks [NAME ...]` or `make bench`. Never part of the test suite's pass/fail.
"""
