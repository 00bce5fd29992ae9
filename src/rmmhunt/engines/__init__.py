"""Engines run a compiled query and return a pyarrow.Table."""
