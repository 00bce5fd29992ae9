"""Finding a value's node in a composed YAML document, to place a message at its file:line."""

from __future__ import annotations

import yaml


def node_at(node: yaml.Node, *path: str | int) -> yaml.Node | None:
    """The node at a path of mapping keys and sequence indexes; None when the path is not there."""
    for step in path:
        if isinstance(step, int) and isinstance(node, yaml.SequenceNode) and step < len(node.value):
            node = node.value[step]
        elif isinstance(step, str) and isinstance(node, yaml.MappingNode):
            found = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == step]
            if not found:
                return None
            node = found[0]
        else:
            return None
    return node
