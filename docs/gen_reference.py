"""Write the reference pages that are made from the code, so they cannot drift from it.

Run from the repository root after changing the command line, the plan format, the JSON
output or the exit codes::

    python docs/gen_reference.py

It writes docs/reference/cli.md (from the argument parser), docs/reference/plan.md (from
the plan's JSON Schema, release_gate/plan/plan.schema.json), docs/reference/json.md (from the
JSON report's schema, release_gate/report/output.schema.json) and
docs/reference/exit-codes.md (from ``release_gate.cli.EXIT_CODES``). tests/test_docs.py
fails when a page differs from what this script would write.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from release_gate import __version__
from release_gate.cli import EXIT_CODES, _parser
from release_gate.plan.format import json_schema

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference"
OUTPUT_SCHEMA = ROOT / "release_gate" / "report" / "output.schema.json"
HEADER = "<!-- Written by docs/gen_reference.py from the code; do not edit by hand. -->\n\n"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# -- the command line -------------------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> Mapping[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _option_rows(parser: argparse.ArgumentParser) -> Iterator[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        if action.option_strings:
            names = ", ".join(f"`{o}`" for o in action.option_strings)
            if action.nargs != 0:
                names += f" `{action.metavar or action.dest.upper()}`"
        else:
            names = f"`{action.metavar or action.dest.upper()}`"
        choices = f" One of: {', '.join(f'`{c}`' for c in action.choices)}." if action.choices else ""
        default = "" if action.default in (None, False, argparse.SUPPRESS) else f"`{action.default}`"
        repeat = " Repeatable." if isinstance(action, argparse._AppendAction) else ""
        yield f"| {names} | {_cell((action.help or '') + choices + repeat)} | {_cell(default)} |"


def _usage(parser: argparse.ArgumentParser) -> str:
    """Return *parser*'s usage at a fixed width (argparse otherwise follows the terminal)."""
    formatter = argparse.HelpFormatter(prog=parser.prog, width=88)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
    return formatter.format_help().strip()


def cli_page() -> str:
    """Return docs/reference/cli.md."""
    parser = _parser()
    lines = [
        "# Command line",
        "",
        f"`release-gate` {__version__}. {_cell(parser.description)}",
        "",
        "```text",
        _usage(parser),
        "```",
        "",
        "Exit codes are listed in [exit-codes.md](exit-codes.md). A guide to the commands, with",
        "examples, is in [../cli.md](../cli.md).",
    ]
    top = list(_option_rows(parser))
    if top:
        lines += ["", "| option | meaning | default |", "|---|---|---|", *top]
    for name, sub in _subcommands(parser).items():
        lines += ["", f"## `release-gate {name}`", "", _cell(sub.description or ""), "", "```text"]
        lines += [_usage(sub), "```", "", "| argument | meaning | default |", "|---|---|---|"]
        lines += list(_option_rows(sub))
    return HEADER + "\n".join(lines) + "\n"


# -- JSON Schemas as tables -------------------------------------------------------------------


def _type(schema: Mapping[str, Any]) -> str:
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return " | ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " or ".join(_type(s) for s in schema[key])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array" and isinstance(schema.get("items"), Mapping):
        return f"array of {_type(schema['items'])}"
    if kind == "string" and schema.get("format"):
        return f"string ({schema['format']})"
    return str(kind)


def _rows(
    properties: Mapping[str, Any], required: list[str], prefix: str, defs: Mapping[str, Any]
) -> Iterator[tuple[str, str, str, str, str]]:
    for key, raw in properties.items():
        sub = _resolve(raw, defs)
        name = f"{prefix}{key}"
        default = f"`{json.dumps(sub['default'])}`" if "default" in sub else ""
        yield name, _type(sub), "yes" if key in required else "", default, sub.get("description", "")
        if sub.get("type") == "object" and "properties" in sub:
            yield from _rows(sub["properties"], sub.get("required", []), f"{name}.", defs)
        items = _resolve(sub.get("items", {}), defs) if sub.get("type") == "array" else {}
        if items.get("type") == "object" and "properties" in items:
            yield from _rows(items["properties"], items.get("required", []), f"{name}[].", defs)


def _resolve(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref", "")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return {**defs[ref.removeprefix("#/$defs/")], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _table(rows: Iterator[tuple[str, str, str, str, str]], *, required: bool = True) -> list[str]:
    head = ["| key | type | required | default | meaning |", "|---|---|---|---|---|"]
    if not required:
        head = ["| key | type | meaning |", "|---|---|---|"]
    body = []
    for name, kind, needed, default, meaning in rows:
        if required:
            body.append(f"| `{name}` | {_cell(kind)} | {needed} | {_cell(default)} | {_cell(meaning)} |")
        else:
            body.append(f"| `{name}` | {_cell(kind)} | {_cell(meaning)} |")
    return head + body


def plan_page() -> str:
    """Return docs/reference/plan.md."""
    schema = json_schema()
    defs = schema.get("$defs", {})
    lines = [
        "# Plan file keys",
        "",
        f"Every key a plan file may have, from the plan's JSON Schema ({_cell(schema.get('description', ''))}).",
        "Any other key is an error, reported with a did-you-mean hint. The schema itself ships in the",
        "package as `release_gate/plan/plan.schema.json` and `release-gate schema` prints it (editors can",
        "use it to complete and check plan files). The guide, with examples, is [../plan.md](../plan.md).",
    ]
    for section, raw in schema["properties"].items():
        sub = _resolve(raw, defs)
        table = f"[{section}]"
        entry = sub
        if "additionalProperties" in sub and isinstance(sub["additionalProperties"], Mapping):
            table = f"[{section}.ID]"
            entry = _resolve(sub["additionalProperties"], defs)
        needed = " (required)" if section in schema.get("required", []) else ""
        lines += ["", f"## `{table}`{needed}", "", _cell(sub.get("description", ""))]
        if entry is not sub and entry.get("description"):
            lines += ["", f"Each entry: {_cell(entry['description'])}"]
        pattern = (sub.get("propertyNames") or {}).get("pattern")
        if pattern:
            lines += ["", f"IDs match `{pattern}`."]
        if "properties" in entry:
            lines += ["", *_table(_rows(entry["properties"], entry.get("required", []), "", defs))]
    return HEADER + "\n".join(lines) + "\n"


def json_page() -> str:
    """Return docs/reference/json.md."""
    schema = json.loads(OUTPUT_SCHEMA.read_text(encoding="utf-8"))
    defs = schema.get("$defs", {})
    lines = [
        "# JSON output",
        "",
        "`release-gate check --format json` prints one JSON document (with `--release` or `--pr`",
        f"too). {_cell(schema.get('description', ''))}",
        "",
        "The tests validate every JSON output they produce against this schema",
        "(`release_gate/report/output.schema.json`, shipped in the package), which allows no key it",
        "does not list. The versioning rules are in [../json.md](../json.md).",
        "",
        *_table(_rows(schema["properties"], schema.get("required", []), "", defs), required=False),
    ]
    for name, sub in defs.items():
        if sub.get("type") == "object" and "properties" in sub:
            lines += ["", f"## `{name}`", "", _cell(sub.get("description", "")), ""]
            lines += _table(_rows(sub["properties"], sub.get("required", []), "", defs), required=False)
    return HEADER + "\n".join(lines) + "\n"


def exit_codes_page() -> str:
    """Return docs/reference/exit-codes.md."""
    lines = [
        "# Exit codes",
        "",
        "Every command exits with one of these codes; CI can act on them. Which question a command",
        "answers, and so when it is clear, is in [../cli.md](../cli.md#the-question-and-exit-codes).",
        "",
        "| code | name | meaning |",
        "|---:|---|---|",
        *(f"| {code} | {name} | {_cell(meaning)} |" for code, name, meaning in EXIT_CODES),
    ]
    return HEADER + "\n".join(lines) + "\n"


def pages() -> dict[Path, str]:
    """Return every generated page by path."""
    return {
        REFERENCE / "cli.md": cli_page(),
        REFERENCE / "plan.md": plan_page(),
        REFERENCE / "json.md": json_page(),
        REFERENCE / "exit-codes.md": exit_codes_page(),
    }


if __name__ == "__main__":
    REFERENCE.mkdir(exist_ok=True)
    for path, text in pages().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
