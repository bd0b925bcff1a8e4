"""Container image references a release names (``images``): ``[REGISTRY[:PORT]/]PATH:TAG`` with ``{version}`` in TAG.

`parse_image` reads one, as Docker and the OCI distribution spec write them, into an
`ImageRef`, or says what is wrong with it and, where it can tell, what was meant. The
first path component is a registry host when it holds a ``.`` or a ``:`` or is
``localhost``; otherwise the image is on Docker Hub (``docker.io``; ``index.docker.io`` and
``registry-1.docker.io`` are the same registry), where a one-component name is an official
image (``python`` is ``library/python``). A registry is asked over https, except on
``localhost`` and ``127.0.0.1`` (the fakes, a local registry), which are asked over http.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DOCKER_HUB", "ImageRef", "ValuesImage", "image_at", "image_problem", "parse_image", "values_entry"]

DOCKER_HUB = "docker.io"
"""How Docker Hub is named in image keys (``oci:docker.io/jupyterhub/k8s-hub``)."""

_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_LOCAL = frozenset({"localhost", "127.0.0.1"})
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?"
)
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_SAMPLE = "1.2.3-rc.1"
"""A version put into a tag pattern to check that it makes a tag."""


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image a release needs, normalised: its registry host, its path there, and its tag pattern."""

    text: str
    """As the plan writes it (``jupyterhub/k8s-hub:v{version}``)."""
    host: str
    """The registry (``docker.io``, ``quay.io``, ``ghcr.io``, ``localhost:5000``)."""
    path: str
    """The repository on it (``jupyterhub/k8s-hub``, ``library/python``)."""
    tag: str
    """The tag pattern, with ``{version}`` once (``v{version}``)."""

    @property
    def name(self) -> str:
        """The image's name in a state (``docker.io/jupyterhub/k8s-hub``): its registry key is ``oci:`` + this."""
        return f"{self.host}/{self.path}"

    @property
    def local(self) -> bool:
        """Whether the registry is on this machine (asked over http)."""
        return self.host.rsplit(":", 1)[0] in _LOCAL

    def tag_for(self, version: str) -> str | None:
        """Return the tag of *version*, or ``None`` when it makes no valid tag (SemVer build metadata ``+x``).

        >>> parse_image("jupyterhub/k8s-hub:v{version}").tag_for("0.7.0-beta.1")
        'v0.7.0-beta.1'
        >>> parse_image("jupyterhub/k8s-hub:{version}").tag_for("1.0.0+abc") is None
        True
        """
        tag = self.tag.replace("{version}", version)
        return tag if _TAG.fullmatch(tag) else None

    def shown(self, tag: str) -> str:
        """Return the image at *tag* as the plan names it (``jupyterhub/k8s-hub:v0.7.0-beta.1``)."""
        return f"{self.text.rsplit(':', 1)[0]}:{tag}"


@dataclass(frozen=True, slots=True)
class ValuesImage:
    """An image a release needs, named by a values file of its repo: the image mapping at a dotted key.

    The file is read on the default branch as of the moment evaluated, as pins are; the image
    must exist at the tag written there (`image_at` makes the reference checked).
    """

    text: str
    """As the plan writes it (``jupyterhub/values.yaml#hub.image``)."""
    path: str
    """The values file, from the repository's root."""
    key: str
    """The dotted key of the image mapping (``hub.image``)."""


def values_entry(text: str) -> ValuesImage | None:
    """Return an ``images`` entry of the values form ``PATH#KEY`` as a `ValuesImage`; ``None``: not that form.

    >>> values_entry("jupyterhub/values.yaml#hub.image")
    ValuesImage(text='jupyterhub/values.yaml#hub.image', path='jupyterhub/values.yaml', key='hub.image')
    >>> values_entry("jupyterhub/k8s-hub:v{version}") is None
    True
    """
    path, hash_sign, key = text.partition("#")
    return ValuesImage(text, path, key) if hash_sign else None


def image_at(name: str, tag: str) -> ImageRef | str:
    """Return image *name* at the one tag *tag* (written in a values file), or what is wrong with them.

    Its `ImageRef.tag_for` gives *tag* whatever the version.

    >>> image_at("jupyterhub/k8s-hub", "v0.7.0").tag_for("0.7.0-beta.1")
    'v0.7.0'
    >>> image_at("jupyterhub/k8s-hub", "v0.7.0 beta")
    "the tag 'v0.7.0 beta' is not a valid tag (letters, digits, '_', '.', '-', at most 128)"
    """
    found = _read(f"{name}:{{version}}")
    if isinstance(found, str):
        return found.replace(":{version}", "")
    if not _TAG.fullmatch(tag):
        return f"the tag {tag[:80]!r} is not a valid tag (letters, digits, '_', '.', '-', at most 128)"
    return ImageRef(f"{name}:{tag}", found.host, found.path, tag)


def parse_image(text: str) -> ImageRef:
    """Return *text* as an `ImageRef`; raise ValueError saying what is wrong (see `image_problem`).

    >>> parse_image("python:{version}").name
    'docker.io/library/python'
    >>> parse_image("quay.io/jupyterhub/k8s-hub:{version}").name
    'quay.io/jupyterhub/k8s-hub'
    """
    found = _read(text)
    if isinstance(found, str):
        raise ValueError(found)  # noqa: TRY004 - a bad value, as int("x") says
    return found


def image_problem(text: str) -> str | None:
    """Say what is wrong with *text* as an image reference, with the reference meant when it can tell.

    >>> image_problem("jupyterhub/k8s-hub:v{version}") is None
    True
    >>> print(image_problem("Org/hub:{version}"))
    'Org/hub:{version}' is not an image reference: an image's path is lower case (did you mean 'org/hub:{version}'?)
    >>> "(did you mean 'org/hub:{version}'?)" in image_problem("org/hub@sha256:abc")
    True
    """
    found = _read(text)
    return found if isinstance(found, str) else None


def _read(text: str) -> ImageRef | str:
    what = f"{text[:120]!r} is not an image reference"
    if "@" in text:
        meant = text.split("@", 1)[0]
        return _meant(
            f"{text[:120]!r} is named by digest: an image a release publishes is named by tag, as NAME:TAG "
            "with {version} in the tag",
            f"{meant}:{{version}}",
        )
    if "://" in text:
        return _meant(f"{what}: write it without a scheme, as docker pull takes it", text.split("://", 1)[1])
    name, colon, tag = text.rpartition(":")
    if not colon or "/" in tag:
        return _meant(f"{what}: it has no tag; write NAME:TAG with {{version}} in the tag", f"{text}:{{version}}")
    parts = name.split("/")
    host = DOCKER_HUB
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        host = parts.pop(0)
        if not _HOST.fullmatch(host):
            return f"{what}: {host[:80]!r} is not a registry host (a name with dots, and a port after ':')"
        host = DOCKER_HUB if host.lower() in _HUB_ALIASES else host.lower()
    if not parts or not all(_COMPONENT.fullmatch(part) for part in parts):
        lowered = "/".join(parts).lower()
        if lowered != "/".join(parts) and all(_COMPONENT.fullmatch(p) for p in lowered.split("/")):
            return _meant(f"{what}: an image's path is lower case", text.replace("/".join(parts), lowered, 1))
        return (
            f"{what}: each part of its path is lower-case letters and digits, joined by '.', '_', '__' or '-' "
            "(jupyterhub/k8s-hub)"
        )
    if tag.count("{version}") != 1:
        return _meant(f"{what}: its tag must contain {{version}} exactly once", f"{name}:{{version}}")
    if not _TAG.fullmatch(tag.replace("{version}", _SAMPLE)):
        return (
            f"{what}: its tag {tag[:80]!r} makes no valid tag (letters, digits, '_', '.', '-', at most 128, "
            "not starting with '.' or '-')"
        )
    if host == DOCKER_HUB and len(parts) == 1:
        parts.insert(0, "library")
    return ImageRef(text, host, "/".join(parts), tag)


def _meant(message: str, meant: str) -> str:
    return f"{message} (did you mean {meant!r}?)" if isinstance(_read(meant), ImageRef) else message
