"""The Spark SQL spellings of the DuckDB tree's nodes and functions, one module per family.

`engines/dialects.py` maps each node type and DuckDB function to its rewrite here; `json_texts` tracks which
Spark values hold JSON texts, as Spark has no JSON type.
"""
