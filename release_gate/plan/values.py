"""Keys of YAML files the plan names (pins, a values file's image), read safely, with the line of each key.

Both the evaluation (pins) and the image reader (``images = ["PATH#KEY"]``) read a values
file's image mapping through here, so that one reader decides what a mapping says. Whatever
cannot be read for sure raises `PinFileError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

__all__ = ["PinFileError", "image_mapping", "image_name", "yaml_at", "yaml_document"]


class PinFileError(ValueError):
    """A file the plan names (a pin file, a values file), or a pins entry, that cannot be read for sure."""


def _yaml_nodes(text: str, path: str) -> tuple[yaml.Node | None, yaml.SafeLoader]:
    """Compose *text* into YAML nodes (no object built yet); raises `ValueError` when it is not one YAML document."""
    import yaml  # noqa: PLC0415 - imported on use: only YAML files need YAML, so offline checks stay light

    loader = yaml.SafeLoader(text)
    try:
        return loader.get_single_node(), loader
    except yaml.YAMLError:
        loader.dispose()
        raise PinFileError(f"{path} is not YAML") from None


def _construct(loader: yaml.SafeLoader, node: yaml.Node, path: str) -> Any:
    import yaml  # noqa: PLC0415 - as in _yaml_nodes

    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError:
        raise PinFileError(f"{path} is not YAML") from None
    finally:
        loader.dispose()


def _child(node: yaml.Node, part: str) -> tuple[yaml.Node, int] | None:
    """Return the node at key (or list index) *part* of *node*, with the line it starts on."""
    import yaml  # noqa: PLC0415 - as in _yaml_nodes

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return value, key.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
        item = node.value[int(part)]
        return item, item.start_mark.line + 1
    return None


def yaml_at(text: str, path: str, key: str) -> tuple[Any, int]:
    """Return the value at *key* of YAML *text* and its line: the key as written first, then as a dotted path."""
    root, loader = _yaml_nodes(text, path)
    found = _child(root, key) if root is not None else None
    if found is None and "." in key and root is not None:
        found = (root, 0)
        for part in key.split("."):
            found = _child(found[0], part) if found is not None else None
    if found is None or _is_null(found[0]):
        loader.dispose()
        raise PinFileError(f"{path} has no key {key!r}")
    return _construct(loader, found[0], path), found[1]


def _is_null(node: yaml.Node) -> bool:
    return node.tag == "tag:yaml.org,2002:null"


def yaml_document(text: str, path: str) -> Any:
    """Return YAML *text* as Python objects (``None`` for an empty file); raises `PinFileError` when it is not YAML."""
    root, loader = _yaml_nodes(text, path)
    if root is None:
        loader.dispose()
        return None
    return _construct(loader, root, path)


def image_name(reference: str) -> str:
    """Return a container image's name as pins compare it: Docker Hub's default host dropped.

    >>> image_name("docker.io/library/python"), image_name("quay.io/jupyterhub/k8s-hub")
    ('python', 'quay.io/jupyterhub/k8s-hub')
    """
    name = reference.strip()
    for host in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        name = name.removeprefix(host)
    return name.removeprefix("library/")


def image_mapping(text: str, path: str, key: str) -> tuple[str, object, int]:
    """Return the image mapping at *key* of values file *text*: its image's name, its ``tag`` as written, its line.

    The name is ``name`` (or ``repository``, after ``registry`` when given), as `image_name`
    writes it; the tag is whatever the file holds (``None`` when it has none). Raises
    `PinFileError` when the file or key cannot be read, or the key holds no image mapping.

    >>> image_mapping("image: {name: jupyterhub/k8s-hub, tag: v0.7.0}", "values.yaml", "image")
    ('jupyterhub/k8s-hub', 'v0.7.0', 1)
    """
    value, line = yaml_at(text, path, key)
    name = value.get("name", value.get("repository")) if isinstance(value, dict) else None
    if not isinstance(value, dict) or not isinstance(name, str) or not name.strip():
        raise PinFileError(f"{path}: {key} is not an image mapping with a name (or repository) and a tag")
    registry = value.get("registry")
    full = image_name(f"{registry.rstrip('/')}/{name}" if isinstance(registry, str) and registry.strip() else name)
    return full, value.get("tag"), line
