"""The documentation's examples run, and its claims about commands and keys hold."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from release_gate.plan.format import PLAN, Field, Kind

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.mark.parametrize("index", range(len(_python_blocks(DOCS / "library.md"))))
def test_library_examples_run(index: int, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Every Python example in docs/library.md runs as written, from the repository root."""
    monkeypatch.chdir(ROOT)
    code = _python_blocks(DOCS / "library.md")[index]
    if "load_github_schema()" in code:
        request.getfixturevalue("github_schema")  # fetched (once per run) into .cache/, where the example looks
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


# -- the site and the references made from the code ------------------------------------------


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_reference", DOCS / "gen_reference.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_reference_pages_are_current() -> None:
    """docs/reference/{cli,plan,json,exit-codes}.md are what docs/gen_reference.py makes from the code."""
    for path, text in _generator().pages().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run python docs/gen_reference.py"


def test_the_site_builds_with_no_warnings(tmp_path: Path) -> None:
    """`mkdocs build --strict` builds the whole site: every page, link and anchor, the API pages with no raw reST."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    api = (tmp_path / "site" / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert "evaluate" in api
    assert "SnapshotStateProvider" in api
    assert 'id="release_gate.evaluate.engine.evaluate"' in api  # the function the package's name hides
    for page in sorted((tmp_path / "site").rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        roles = re.findall(r":(?:class|func|mod|data|meth|attr|exc|obj|ref):(?:`|<code>)[^`<]*", text)
        assert roles == [], f"{page.relative_to(tmp_path)}: Sphinx roles mkdocstrings shows as raw text: {roles}"
        assert "::</p>" not in text, f"{page.relative_to(tmp_path)}: a reST '::' shown as text"


def _doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _command_lines() -> list[tuple[str, tuple[str, ...]]]:
    """Every `release-gate ...` command line in a shell or console block of the docs."""
    found = []
    for path in _doc_files():
        for kind, body in _FENCE.findall(path.read_text(encoding="utf-8")):
            if kind not in ("sh", "bash", "console", "shell"):
                continue
            for raw in body.replace("\\\n", " ").splitlines():
                line = raw.removeprefix("$ ").strip()
                for part in re.split(r"&&|\|\||;|\|", line):
                    words = shlex.split(part, comments=True)
                    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
                        words = words[1:]  # VAR=value before the command
                    if words and words[0].endswith("release-gate"):
                        found.append((f"{path.relative_to(ROOT)}: {part.strip()}", tuple(words[1:])))
    return found


@pytest.mark.parametrize(("where", "args"), _command_lines(), ids=[w for w, _ in _command_lines()])
def test_every_command_line_in_the_docs_parses(where: str, args: tuple[str, ...]) -> None:
    """Each release-gate command shown in the docs names a real command and real options."""
    from release_gate.cli import _parser  # noqa: PLC0415

    argv = list(args)
    if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["check", *argv]  # no command: the default job
    code: int | str | None = 0
    with contextlib.redirect_stderr(io.StringIO()) as err, contextlib.redirect_stdout(io.StringIO()):
        try:
            _parser().parse_args(argv or ["check"])
        except SystemExit as exit_:
            code = exit_.code
    assert code in (0, None), f"{where}: {err.getvalue()}"


def _schema_walk(schema: dict[str, Any], data: Any, path: str, problems: list[str]) -> None:
    """Add to *problems* every key of *data* the plan schema does not allow at *path*."""
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        where = f"{path}.{key}" if path else key
        properties = schema.get("properties", {})
        if key in properties:
            _schema_walk(properties[key], value, where, problems)
        elif isinstance(schema.get("additionalProperties"), dict):
            _schema_walk(schema["additionalProperties"], value, where, problems)
        else:
            problems.append(where)
        if isinstance(value, list):
            for item in value:
                _schema_walk(properties.get(key, {}).get("items", {}), item, where, problems)


def _toml_blocks() -> list[tuple[str, str]]:
    blocks = []
    for path in _doc_files():
        for kind, body in _FENCE.findall(path.read_text(encoding="utf-8")):
            if kind == "toml":
                blocks.append((f"{path.relative_to(ROOT)}: {body.splitlines()[0][:40]}", body))
    return blocks


@pytest.mark.parametrize(("where", "body"), _toml_blocks(), ids=[w for w, _ in _toml_blocks()])
def test_every_plan_key_in_the_docs_exists(where: str, body: str) -> None:
    """Each TOML block in the docs is valid TOML whose keys are all keys of the plan format."""
    from release_gate.plan.format import json_schema  # noqa: PLC0415

    data = tomllib.loads(body)
    problems: list[str] = []
    _schema_walk(json_schema(), data, "", problems)
    assert not problems, f"{where}: keys the plan format does not have: {problems}"


def test_the_readme_test_command_is_what_ci_runs() -> None:
    """The README's second command (install and run the whole suite) is exactly the command .ci/run ends with."""
    blocks = re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").rstrip().splitlines()[-1]
    assert blocks[1] == ci
    assert ci.endswith("pytest --all")  # the whole suite, slow tests included
