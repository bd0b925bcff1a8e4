"""Text from outside (GitHub, package indexes, the answer cache, snapshots, files) made safe to show."""

from __future__ import annotations

import re

__all__ = ["clean", "clean_output", "json_safe"]

_OTHERS = (
    "\x7f"  # DEL
    "\x80-\x9f"  # C1 controls (NEL U+0085, CSI U+009B...)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides and isolates
    "\u2028\u2029"  # line and paragraph separators
    "\ufff9-\ufffb"  # interlinear annotation controls
    "\ud800-\udfff"  # lone surrogates (a str holds them only unpaired): no encoder can write them
)
"""The unsafe characters beyond C0 (which ``json.dumps`` escapes itself)."""
_C0 = "\x00-\x1f"
_C0_BUT_LF = "\x00-\x09\x0b-\x1f"
_IGNORABLE = "[\u00ad\u200b-\u200d\u2060\ufeff]*"
_LEGACY_COMMAND = f"#{_IGNORABLE}#{_IGNORABLE}\\["
"""``##[``: the Actions runner takes ``##[error]...`` anywhere in a line as a workflow command (legacy syntax)."""

_FIND = re.compile(f"[{_C0}{_OTHERS}]|{_LEGACY_COMMAND}")
_FIND_IN_OUTPUT = re.compile(f"[{_C0_BUT_LF}{_OTHERS}]|{_LEGACY_COMMAND}")
_FIND_IN_JSON = re.compile(f"[{_OTHERS}]|{_LEGACY_COMMAND}")
_SGR_CODE = "(?:0|1|22|39|3[0-7]|9[0-7])"
_OWN_OR_UNSAFE = re.compile(
    f"(\n|\r\x1b\\[K|\x1b\\[(?:{_SGR_CODE}(?:;{_SGR_CODE})*)?m)|[{_C0}{_OTHERS}]|{_LEGACY_COMMAND}"
)
"""Our own newlines, colours (SGR colours, bold, reset) and progress-line clear (group 1), else what is unsafe."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _escape(match: re.Match[str]) -> str:
    found = match.group()
    if len(found) == 1:
        return _escape_char(found)
    return found[:-1] + "\\x5b"  # ##[ -> ##\x5b: no longer a workflow command


def clean(text: str) -> str:
    r"""Return *text* safe to show on ONE line of a terminal, an Actions log or Markdown.

    Control characters (C0 with CR, LF and TAB, DEL, C1), lone surrogates, the line and
    paragraph separators, the bidi controls and the interlinear annotation controls are
    escaped visibly; so is the ``[`` of ``##[`` (the Actions runner's legacy command
    syntax, which works anywhere in a line). Everything else is kept: accents, emoji,
    zero-width joiners. The same string comes back when nothing needs escaping.

    >>> clean("v1.0\n::error::owned")
    'v1.0\\n::error::owned'
    >>> clean("\x1b]0;owned\x07 \x1b[2J")
    '\\x1b]0;owned\\x07 \\x1b[2J'
    >>> clean("gnp.\u202eexe")
    'gnp.\\u202eexe'
    >>> clean("##[error]fake")
    '##\\x5berror]fake'
    >>> clean("café 👩\u200d💻")
    'café 👩\u200d💻'
    """
    if _FIND.search(text) is None:
        return text
    return _FIND.sub(_escape, text)


def _escape_output(match: re.Match[str]) -> str:
    own = match.group(1)
    return own if own is not None else _escape(match)


def clean_output(text: str) -> str:
    r"""Return a whole rendered output safe to write to a terminal or an Actions log.

    The last guard on what the CLI writes: keeps newlines, our own colour sequences
    (``ESC [ 31 m``...) and the progress line's ``CR ESC [ K``; escapes every other unsafe
    character as `clean` does.

    >>> clean_output("\x1b[1mname\x1b[0m\nok\r\x1b[Kread 3\n")
    '\x1b[1mname\x1b[0m\nok\r\x1b[Kread 3\n'
    >>> clean_output("a\rb\x1b]0;t\x07\x1b[8m\u2028\n")
    'a\\rb\\x1b]0;t\\x07\\x1b[8m\\u2028\n'
    """
    if _FIND_IN_OUTPUT.search(text) is None:
        return text
    return _OWN_OR_UNSAFE.sub(_escape_output, text)


def _escape_json(match: re.Match[str]) -> str:
    found = match.group()
    if len(found) == 1:
        return f"\\u{ord(found):04x}"
    return found[:-1] + "\\u005b"


def json_safe(document: str) -> str:
    r"""Return a JSON text with what ``ensure_ascii=False`` leaves raw escaped as ``\uXXXX``.

    DEL, C1 controls, bidi controls, U+2028/U+2029, U+FFF9-U+FFFB, lone surrogates and the
    ``[`` of ``##[`` are legal inside JSON strings but unsafe on a terminal or in an Actions
    log; escaped, the document still decodes to the same data. (``json.dumps`` escapes C0
    controls itself; as with ``ensure_ascii``, a high surrogate followed by a low one
    decodes as the one character they make.)

    >>> import json
    >>> text = json.dumps(["\u202e\x85\ud800"], ensure_ascii=False)
    >>> json_safe(text)
    '["\\u202e\\u0085\\ud800"]'
    >>> json.loads(json_safe(text)) == ["\u202e\x85\ud800"]
    True
    """
    if _FIND_IN_JSON.search(document) is None:
        return document
    return _FIND_IN_JSON.sub(_escape_json, document)
