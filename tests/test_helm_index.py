"""Big Helm indexes: only the plan's chart is built, read as ``yaml.safe_load`` reads it whatever the layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from release_gate import parse_plan
from release_gate.sources.cache import ResponseCache
from release_gate.sources.helm_index import FIELDS, LOADER, FullLoadNeeded, read_index
from release_gate.sources.registries import RegistryReader
from release_gate.state import Registry, Unknown, request_for
from release_gate.testing import FakeRegistries
from tests.test_registries import APP, LIB, _state

CHART = "app"


def _entry(chart: str, version: str, day: int = 1, **extra: Any) -> dict[str, Any]:
    created = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day)
    return {"apiVersion": "v2", "created": created, "name": chart, "version": version, **extra}


def _index(*charts: tuple[str, list[dict[str, Any]]], generated: str = "2024-06-01T00:00:00Z") -> dict[str, Any]:
    return {"apiVersion": "v1", "entries": dict(charts), "generated": generated}


BASE = _index(
    ("app", [_entry("app", "1.0.0"), _entry("app", "1.1.0-0.dev.git.3.habc", 2, description="A chart: the app")]),
    ("app-dev", [_entry("app-dev", "9.9.9")]),
    ("other", [_entry("other", "2.0.0", keywords=["a", "b"], maintainers=[{"name": "x", "email": "y"}])]),
)
"""Three charts, one a prefix of another's name (``app``, ``app-dev``), the plan's chart first."""
CANONICAL = yaml.safe_dump(BASE, sort_keys=True)
FLOW = yaml.safe_dump(
    {
        **BASE,
        "entries": {
            c: [{**e, "created": f"{e['created']:%Y-%m-%dT%H:%M:%SZ}"} for e in v] for c, v in BASE["entries"].items()
        },
    },
    default_flow_style=True,
    width=60,
)
"""The same in flow style, wrapped, with ``created`` quoted as Helm writes it (no explicit tags)."""


def _restricted(document: Any, chart: str) -> Any:
    """Return what release-gate reads of a loaded index: apiVersion, generated, the chart's entries' three fields."""
    if not isinstance(document, dict):
        return document
    read = {key: document[key] for key in ("apiVersion", "generated") if key in document}
    if "entries" not in document:
        return read
    entries = document["entries"]
    if not isinstance(entries, dict) or chart not in entries:
        return {**read, "entries": entries if not isinstance(entries, dict) else {}}
    items = entries[chart]
    if isinstance(items, list):
        items = [{k: e[k] for k in FIELDS if k in e} if isinstance(e, dict) else e for e in items]
    return {**read, "entries": {chart: items}}


NOT_YAML = "not YAML"
"""What the reader makes of any YAML error or value YAML cannot build: the index is not YAML."""


def _both(text: str | bytes, chart: str = CHART) -> tuple[Any, Any]:
    """Read *text* for *chart* as release-gate does and as a whole ``yaml.safe_load`` would: (what, whether fast)."""
    try:
        full = _restricted(yaml.load(text, Loader=LOADER), chart)  # noqa: S506 - the safe loader release-gate uses
    except (yaml.YAMLError, ValueError):
        full = NOT_YAML
    try:
        fast: Any = read_index(text, chart)
    except FullLoadNeeded:
        fast = FullLoadNeeded
    except (yaml.YAMLError, ValueError):
        fast = NOT_YAML  # the reader says "not YAML" for both, whichever error comes first
    return full, fast


LAYOUTS: dict[str, tuple[str, bool]] = {
    "canonical": (CANONICAL, True),
    "flow-style": (FLOW, True),
    "comments": (
        "# app:\n" + CANONICAL.replace("  app:\n", "  app: # the chart\n  #  - name: app\n  # version: 9.9.9\n"),
        True,
    ),
    "quoted-keys": (
        CANONICAL.replace("  app:\n", '  "app":\n').replace("    version: 1.0.0", "    'version': 1.0.0"),
        True,
    ),
    "duplicated-chart-key": (CANONICAL.replace("  app-dev:\n", "  app:\n"), True),
    "chart-named-on": (CANONICAL.replace("  app:\n", "  on:\n"), True),
    "crlf": (CANONICAL.replace("\n", "\r\n"), True),
    "multi-line-quoted-with-a-chart-inside": (
        CANONICAL.replace(
            "    description: 'A chart: the app'\n",
            "    description: 'A chart\n  app:\n  - name: app\n    version: 9.9.9\n    created: 2024-05-01'\n",
        ),
        True,
    ),
    "multi-line-flow-with-an-entry-inside": (
        CANONICAL.replace("    - a\n    - b\n", "    [a,\n  - name: app,\n    version: 9.9.9]\n").replace(
            "    keywords:\n", "    keywords: "
        ),
        True,
    ),
    "block-scalar-with-an-entry-inside": (
        CANONICAL.replace(
            "    description: 'A chart: the app'\n", "    description: |\n      - name: app\n      version: 9.9.9\n"
        ),
        True,
    ),
    "anchor-and-alias": (
        CANONICAL.replace(
            "  - apiVersion: v2\n    created: 2024-01-02", "  - &first apiVersion: v2\n    created: 2024-01-02"
        )
        + "extra: *first\n",
        False,
    ),
    "an-anchor-defined-twice": ("&a " + CANONICAL.replace("  app-dev:\n  -", "  app-dev:\n  - &a"), False),
    "an-entry-that-is-an-alias": (
        CANONICAL.replace("  app-dev:\n  -", "  app-dev:\n  - &dev").replace("  other:\n", "  x: [*dev]\n  other:\n"),
        False,
    ),
    "merge-key": (CANONICAL.replace("    version: 1.0.0\n", "    <<: {version: 8.0.0}\n    version: 1.0.0\n"), False),
    "explicit-tag": (CANONICAL.replace("    version: 1.0.0", "    version: !!str 1.0.0"), False),
    "two-documents": (CANONICAL + "---\nentries: {}\n", False),
    "entries-twice": (CANONICAL + "entries:\n  app:\n  - {name: app, version: 3.0.0, created: 2024-05-01}\n", True),
    "an-entry-that-is-a-string": (
        CANONICAL.replace("  app-dev:\n", "  app-dev:\n  - just text\n").replace("  app:\n", "  app:\n  - 1.0.0\n"),
        False,
    ),
    "a-version-that-is-a-list": (CANONICAL.replace("    version: 1.0.0", "    version: [1, 0]"), False),
    "a-bad-date-in-another-chart": (CANONICAL.replace("version: 9.9.9", "version: 9.9.9\n    x: 2018-02-30"), True),
    "an-equals-sign-in-another-chart": (CANONICAL.replace("version: 9.9.9", "version: 9.9.9\n    x: ="), True),
    "a-syntax-error-in-another-chart": (CANONICAL.replace("version: 9.9.9", "version: 9.9.9\n    x: [unclosed"), True),
    "no-generated": (CANONICAL.replace("generated: '2024-06-01T00:00:00Z'\n", ""), True),
    "entries-empty": ("apiVersion: v1\nentries: {}\ngenerated: x\n", True),
    "entries-a-list": ("apiVersion: v1\nentries: []\ngenerated: x\n", False),
    "entries-null": ("apiVersion: v1\nentries:\ngenerated: x\n", True),
    "chart-null": ("apiVersion: v1\nentries:\n  app:\ngenerated: x\n", False),
    "empty": ("", False),
    "a-scalar": ("just text\n", False),
    "bom-and-tabs": (
        "\ufeff" + CANONICAL.replace("app-dev:\n  - apiVersion: v2", "app-dev:\n  - apiVersion:\tv2"),
        True,
    ),
}


@pytest.mark.parametrize(("text", "fast"), list(LAYOUTS.values()), ids=list(LAYOUTS))
def test_the_chart_is_read_as_a_whole_load_reads_it(text: str, fast: bool) -> None:
    """Flow style, comments, quoted or duplicated keys, CRLF, lines in strings: read as yaml.safe_load reads them."""
    full, read = _both(text)
    if fast:
        assert read == full
    else:
        assert read is FullLoadNeeded  # the reader loads the whole file: yaml.safe_load's answer by construction
    assert full is not FullLoadNeeded


def test_what_the_layouts_hold() -> None:
    """The adversarial layouts mean what they say: a chart inside a string is no chart, the last duplicate wins."""
    assert _both(LAYOUTS["canonical"][0])[1]["entries"][CHART][0] == {
        "created": dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
        "name": "app",
        "version": "1.0.0",
    }
    inside = _both(LAYOUTS["multi-line-quoted-with-a-chart-inside"][0])[1]["entries"][CHART]
    assert [e["version"] for e in inside] == ["1.0.0", "1.1.0-0.dev.git.3.habc"]  # no 9.9.9: it is in a string
    assert [e["version"] for e in _both(LAYOUTS["duplicated-chart-key"][0])[1]["entries"][CHART]] == ["9.9.9"]
    assert _both(LAYOUTS["chart-named-on"][0], "on")[1]["entries"] == {}  # YAML reads `on:` as true
    assert _both(LAYOUTS["a-bad-date-in-another-chart"][0])[1] == NOT_YAML  # not YAML anywhere: not YAML
    assert _both(LAYOUTS["a-syntax-error-in-another-chart"][0])[1] == NOT_YAML


def _chart(text: str, chart: str = CHART, *, full: bool = False, monkeypatch: pytest.MonkeyPatch | None = None) -> Any:
    """Read *chart* through the reader and the fake (with *full*, always by a whole load, as before)."""
    if full:
        assert monkeypatch is not None

        def whole(*_: Any) -> Any:
            raise FullLoadNeeded

        monkeypatch.setattr("release_gate.sources.registries.read_index", whole)
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.index_texts[chart] = text.encode("utf-8", "surrogatepass")
        plan = parse_plan(
            f'[plan]\nname = "h"\n[repos.chart]\ngithub = "o/chart"\nscheme = "semver"\n'
            f'published = {{ helm = {{ index = "{fake.helm_index(chart)}", chart = "{chart}" }} }}\n'
            '[releases.chart]\nversion = ">=1.0.0"\n'
        )
        found = RegistryReader(timeout=2, retries=0).read(request_for(plan, ()))[f"helm:{chart}"]
    if isinstance(found, Unknown):
        return Unknown(found.reason.replace(fake.helm_index(chart), "URL"))
    assert isinstance(found, Registry)
    return found.versions


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_the_reader_answers_as_before_for_every_layout(layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the reader, each layout gives the versions, or the unknown with its reason, that a whole load gives."""
    text = LAYOUTS[layout][0]
    fast = _chart(text)
    assert fast == _chart(text, full=True, monkeypatch=monkeypatch)


def test_a_cut_index_is_still_unknown() -> None:
    """An index cut inside the chart's last entry (no 'generated') is unknown, as with a whole load."""
    text = CANONICAL[: CANONICAL.index("  app-dev:")]
    assert _chart(text) == Unknown(
        "the Helm index URL is not whole: it has no 'generated', which Helm writes after the entries, "
        "so the file was cut short"
    )


KEYS = st.sampled_from(["app", "app-dev", "name", "version", "created", "on", "1.0", "x", "<<", "entries"])
SCALARS = st.one_of(
    KEYS,
    st.sampled_from(["1.0.0", "2024-01-01", "2024-01-01T00:00:00Z", "null", "=", "true", "0x1F", "a: b", "- x", "'q'"]),
    st.text(max_size=12),
    st.integers(),
    st.datetimes(timezones=st.just(dt.UTC)),
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4), max_leaves=12
)
ENTRY = st.fixed_dictionaries(
    {"name": st.sampled_from(["app", "app-dev", "other"])},
    optional={"version": SCALARS, "created": SCALARS, "description": VALUES, "extra": VALUES},
)
INDEXES = st.fixed_dictionaries(
    {"entries": st.dictionaries(st.sampled_from(["app", "app-dev", "other", "on"]), st.lists(ENTRY, max_size=4))},
    optional={"apiVersion": SCALARS, "generated": SCALARS, "serverInfo": VALUES},
)
DUMPS = st.fixed_dictionaries(
    {
        "default_flow_style": st.sampled_from([False, True, None]),
        "width": st.sampled_from([20, 80, 1000]),
        "sort_keys": st.booleans(),
        "allow_unicode": st.booleans(),
        "explicit_start": st.booleans(),
        "canonical": st.booleans(),
    }
)


@settings(max_examples=300, deadline=None)
@given(index=INDEXES, dump=DUMPS, chart=st.sampled_from(["app", "app-dev", "on"]), crlf=st.booleans())
def test_any_index_in_any_style_reads_as_a_whole_load(
    index: dict[str, Any], dump: dict[str, Any], chart: str, crlf: bool
) -> None:
    """Any index, dumped in any style (flow, wrapped, canonical, CRLF), reads for any chart as yaml.safe_load does."""
    text = yaml.safe_dump(index, **dump)
    if crlf:
        text = text.replace("\n", "\r\n")
    full, fast = _both(text, chart)
    assert fast in (full, FullLoadNeeded)


def _dev_builds(count: int) -> str:
    entries = [
        _entry("jupyterhub", f"4.0.0-0.dev.git.{n}.h{n:07x}", n % 300, digest=f"{n:064x}", urls=[f"u{n}.tgz"])
        for n in range(count)
    ]
    binder = [_entry("binderhub", f"1.0.0-0.dev.git.{n}.h{n:07x}", n % 300) for n in range(count)]
    return yaml.safe_dump(_index(("binderhub", binder), ("jupyterhub", entries)), sort_keys=True)


def test_a_big_index_reads_as_a_whole_load_and_once_more_as_one_304(tmp_path: Path) -> None:
    """An index of thousands of dev builds reads as a whole load; read again with a cache, it is one 304."""
    text = _dev_builds(2000)
    full, fast = _both(text, "jupyterhub")
    assert fast == full
    assert len(fast["entries"]["jupyterhub"]) == 2000
    with FakeRegistries(_state(LIB, APP)) as fake:
        fake.index_texts["jupyterhub"] = text.encode()
        plan = parse_plan(
            f'[plan]\nname = "h"\n[repos.hub]\ngithub = "o/hub"\nscheme = "semver"\n'
            f'published = {{ helm = {{ index = "{fake.helm_index("jupyterhub")}", chart = "jupyterhub" }} }}\n'
            '[releases.hub]\nversion = ">=4.0.0"\n'
        )
        first = RegistryReader(cache=ResponseCache(tmp_path)).read(request_for(plan, ()))
        reader = RegistryReader(cache=ResponseCache(tmp_path))
        again = reader.read(request_for(plan, ()))
    assert first == again
    assert (reader.requests, fake.not_modified) == (1, 1)
    registry = first["helm:jupyterhub"]
    assert isinstance(registry, Registry)
    assert len(registry.versions) == 2000


SNIPPETS = st.sampled_from(
    ["  app:\n", "  - name: app\n    version: 9.9.9\n    created: 2024-05-01\n", "'", '"', "[", "{", "]", "}", "# c",
     "\t", "\r", "\n", "---\n", "&a ", "*a", "!!str ", "<<: ", "? ", "|\n", ">-\n", ": ", "- ", "    ", "\\", ",",
     "\ufeff", "\x85", "\u2028", "2018-02-30", "="]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(min_value=0, max_value=len(CANONICAL)), SNIPPETS), max_size=4))
def test_an_index_edited_anywhere_reads_as_a_whole_load(edits: list[tuple[int, str]]) -> None:
    """Quotes, brackets, keys, anchors, breaks or tabs put anywhere in an index: read as the whole load reads it."""
    text = CANONICAL
    for at, snippet in sorted(edits, reverse=True):
        text = text[:at] + snippet + text[at:]
    full, fast = _both(text)
    assert fast in (full, FullLoadNeeded)
