"""The base of every error rmmhunt reports to its user (never a traceback)."""


class RmmhuntError(Exception):
    """An error whose message names the place: query line:column, file:line, or rule id."""
