r"""Student-derived text made harmless for a terminal, Markdown, HTML or a CSV cell.

A submission chooses much of the text the grader shows: failure messages
(assertions and exceptions raised by student code), file and folder names,
archive member names, student ids, names and e-mails from folder names or
a roster, test ids of student-written tests. Each rendering passes such
text through one function here before it is written:

- :func:`for_terminal` shows control characters (C0, DEL, C1), bidirectional
  overrides and isolates, line and paragraph separators and lone surrogates
  escaped (``\x1b``, ``\u202e``), so text can neither move the cursor, clear
  the screen, recolour or reorder what follows, nor fail to encode;
- :func:`for_rich` is that, with Rich markup escaped too, for a string
  that Rich parses as markup;
- :func:`for_markdown` and :func:`markdown_code` neutralise Markdown and
  HTML syntax for inline text, table cells and code spans;
- :func:`for_html` escapes for HTML text and attribute values;
- :func:`csv_cell` keeps a spreadsheet from reading a cell as a formula.

Honest text reads the same: printable ASCII and Unicode letters, symbols
and emoji (joiners and variation selectors included) are left as they are.
"""

from __future__ import annotations

import html
import re
from typing import TypeVar, overload

Cell = TypeVar("Cell", int, float, None)

# What a terminal or a viewer obeys instead of showing: C0 controls, DEL and C1 controls; the characters that
# reorder the text around them (Unicode's Bidi_Control property); the line and paragraph separators some
# programs take as line breaks; lone surrogates (an undecodable byte of a file name), which cannot be encoded.
UNSAFE = r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
UNSAFE_IN_LINE = re.compile(UNSAFE)
UNSAFE_IN_BLOCK = re.compile(r"(?![\n\t])" + UNSAFE)  # the same, but line breaks and tabs are kept
# The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Markdown's inline syntax (the backslash included: it escapes the others) and the HTML it lets through.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~])")
# The escapes that Python writes by name.
NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    r"""One unsafe character as Python writes it in a string: ``\n``, ``\x1b``, ``\u202e``."""
    char = match.group(0)
    code = ord(char)
    if char in NAMED:
        return NAMED[char]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def for_terminal(text: str, multiline: bool = False) -> str:
    r"""``text`` with every character that a terminal would obey shown escaped.

    Args:
        text: Text that may come from a submission.
        multiline: Keep line breaks (and tabs): the caller prints a block of
            lines. A Windows line ending counts as one break. Otherwise a line
            break is shown as ``\n`` and a tab as ``\t``, so the text stays
            on one line.

    Returns:
        The text, where each unsafe character is written as a Python escape
        (``\x1b``, ``\x9b``, ``\u202e``); a backslash already there is kept.
    """
    if multiline:
        text = text.replace("\r\n", "\n")
    return (UNSAFE_IN_BLOCK if multiline else UNSAFE_IN_LINE).sub(_escape, text)


def for_rich(text: str, multiline: bool = False) -> str:
    """:func:`for_terminal`, with Rich markup (``[red]``, ``[link=...]``) escaped: for a string Rich parses.

    Args:
        text: Text that may come from a submission.
        multiline: Keep line breaks, as in :func:`for_terminal`.
    """
    from rich.markup import escape

    return escape(for_terminal(text, multiline))


def for_markdown(text: str) -> str:
    """``text`` as literal inline Markdown: for a paragraph, a heading, a list item or a table cell.

    Control characters and line breaks are escaped as in :func:`for_terminal`
    (a line break would end a table row), then every character that Markdown
    or the HTML it allows would read as syntax is backslash-escaped: pipes,
    backticks, emphasis, brackets of links and images, angle brackets of
    tags and autolinks, entities. A renderer shows the text as it was.
    """
    return MARKDOWN_SPECIAL.sub(r"\\\1", for_terminal(text))


def markdown_code(text: str) -> str:
    """``text`` as a Markdown code span, delimited so that no backtick inside ends it.

    For inline text outside tables (in a table cell, a pipe would still end
    the cell: use :func:`for_markdown` there). Control characters and line
    breaks are escaped as in :func:`for_terminal`.
    """
    text = for_terminal(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") or text.strip(" ") == "" else text
    return f"{fence}{padded}{fence}"


def for_html(text: str) -> str:
    """``text`` for HTML text or a quoted attribute value: control characters escaped, then ``<>&"'``."""
    return html.escape(for_terminal(text, multiline=True), quote=True)


@overload
def csv_cell(value: str) -> str: ...


@overload
def csv_cell(value: Cell) -> Cell: ...


def csv_cell(value: str | Cell) -> str | Cell:
    """A CSV cell that a spreadsheet shows as written.

    A string has its control characters escaped (:func:`for_terminal`) and,
    when it would start a formula (``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return, after any leading spaces), a ``'`` in front, which
    spreadsheets take as "this is text". Anything else (numbers) is returned
    unchanged.
    """
    if not isinstance(value, str):
        return value
    if value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + for_terminal(value)
    return for_terminal(value)
