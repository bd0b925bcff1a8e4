"""The documentation's examples run, and its claims about commands and keys hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from release_gate.spec import PLAN, Field, Kind

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.mark.parametrize("index", range(len(_python_blocks(DOCS / "library.md"))))
def test_library_examples_run(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Python example in docs/library.md runs as written, from the repository root."""
    monkeypatch.chdir(ROOT)
    code = _python_blocks(DOCS / "library.md")[index]
    exec(compile(code, f"docs/library.md example {index + 1}", "exec"), {})  # noqa: S102


def _leaves(spec: Field, prefix: str = "") -> list[str]:
    """Dotted key paths of the plan format, relative to their section (``published.pypi``)."""
    table = spec if Kind.TABLE in spec.kinds else spec.item
    if table is None or Kind.TABLE not in table.kinds:
        return []
    paths = []
    for name, sub in table.fields.items():
        nested = _leaves(sub, f"{prefix}{name}.") if Kind.TABLE in sub.kinds else []
        paths.extend(nested or [f"{prefix}{name}"])
    return paths


@pytest.mark.parametrize("section", list(PLAN.fields))
def test_plan_doc_names_every_key(section: str) -> None:
    """docs/plan.md documents every key of every section of the plan format."""
    text = (DOCS / "plan.md").read_text(encoding="utf-8")
    paths = _leaves(PLAN.fields[section])
    missing = [p for p in paths if f"`{p}`" not in text and f"{p.rsplit('.', 1)[-1]} = " not in text]
    assert paths
    assert missing == []


def test_github_doc_example_runs(github_schema: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake-GitHub example in docs/github.md runs as written (one GraphQL request for the plan)."""
    del github_schema  # fetched (once per run) into .cache/, where the example's default looks
    monkeypatch.chdir(ROOT)
    (code,) = _python_blocks(DOCS / "github.md")
    exec(compile(code, "docs/github.md example", "exec"), {})  # noqa: S102
