"""A realistic sample workspace for `rmmhunt demo` and the tests."""
