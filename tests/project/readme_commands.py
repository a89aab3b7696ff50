"""The shell commands a user copies from the READMEs, as the READMEs write them.

Shared by tests/project/test_readme_known_commands.py (every command is known to be exercised) and
tests/pipeline/test_readme_blocks.py (which runs the blocks verbatim).
"""

from __future__ import annotations

import dataclasses
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]

# The parts of each README a user copies commands from: the whole root README, and the
# quick-start sections of the three packages' READMEs (None = the whole file).
SOURCES: dict[str, tuple[str, ...] | None] = {
    "README.md": None,
    "tap-intercom/README.md": ("Installation", "Usage"),
    "target-azure-sqldw/README.md": ("Install", "Usage"),
    "devstack/README.md": ("The stack",),
}

SHELL_FENCES = ("bash", "sh", "shell", "console")
# An inline `code` span is a command when it starts with one of these programs and has an
# argument (`make demo`, not `meltano.yml` or a bare `tap-intercom`).
INLINE_COMMAND = re.compile(
    r"^(make|meltano|tap-intercom|target-azure-sqldw|pip|sudo|apt-get|set -a|\.venv/bin/\S+"
    r"|\.ci/run|KEEP=\S+ make)\s\S"
)
FENCE = re.compile(r"^( *)```(\w*)\s*$")
HEADING = re.compile(r"^(#{1,6}) (.+?)\s*$")
TRAILING_COMMENT = re.compile(r"\s{2,}#\s.*$")


@dataclasses.dataclass(frozen=True)
class Block:
    """A fenced shell block: where it is and its commands (continuations joined)."""

    source: str
    line: int
    text: str
    commands: tuple[str, ...]


def sections(text: str, wanted: tuple[str, ...] | None) -> list[tuple[int, str]]:
    """Lines (numbered from 1) inside the wanted sections; all lines when ``wanted`` is None.

    A section runs from its heading to the next heading of the same or a higher level. Lines
    in fenced blocks are never taken for headings (shell comments start with ``#`` too).
    """
    kept: list[tuple[int, str]] = []
    level = 0
    inside = wanted is None
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else HEADING.match(line)
        if heading and wanted is not None:
            depth = len(heading.group(1))
            if heading.group(2) in wanted:
                inside, level = True, depth
            elif inside and depth <= level:
                inside = False
        if inside:
            kept.append((number, line))
    return kept


def commands_of(block_text: str) -> tuple[str, ...]:
    """The commands of a shell block: continuations joined, comments and blanks dropped."""
    commands: list[str] = []
    pending = ""
    for raw in block_text.splitlines():
        line = TRAILING_COMMENT.sub("", raw).strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        commands.append(" ".join((pending + line).split()))
        pending = ""
    return tuple(commands)


def blocks(source: str) -> list[Block]:
    """The fenced shell blocks of one README's copied parts."""
    lines = sections((ROOT / source).read_text(), SOURCES[source])
    found: list[Block] = []
    body: list[str] | None = None
    start = 0
    indent = 0
    for number, line in lines:
        fence = FENCE.match(line)
        if body is None:
            if fence and fence.group(2) in SHELL_FENCES:
                body, start, indent = [], number, len(fence.group(1))
            continue
        if fence:
            text = "\n".join(body) + "\n"
            found.append(Block(source, start, text, commands_of(text)))
            body = None
            continue
        body.append(line[indent:] if line[:indent].isspace() else line)
    return found


def inline_commands(source: str) -> list[tuple[int, str]]:
    """Inline `code` spans outside fenced blocks that are commands, with their line."""
    spans: list[tuple[int, str]] = []
    fenced = False
    for number, line in sections((ROOT / source).read_text(), SOURCES[source]):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        for span in re.findall(r"`([^`]+)`", line):
            if INLINE_COMMAND.match(span):
                spans.append((number, " ".join(span.split())))
    return spans


def all_commands() -> list[tuple[str, int, str]]:
    """Every command a user copies: (README, line, command)."""
    found: list[tuple[str, int, str]] = []
    for source in SOURCES:
        for block in blocks(source):
            found.extend((source, block.line, command) for command in block.commands)
        found.extend((source, line, command) for line, command in inline_commands(source))
    return found


def block_containing(source: str, needle: str) -> Block:
    """The one shell block of ``source`` that contains ``needle`` (for running it verbatim)."""
    matching = [block for block in blocks(source) if needle in block.text]
    if len(matching) != 1:
        msg = f"{len(matching)} shell blocks of {source} contain {needle!r}"
        raise LookupError(msg)
    return matching[0]
