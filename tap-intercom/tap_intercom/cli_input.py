"""Decoding the command line's JSON files (config, state, catalog) into one-line errors."""

from __future__ import annotations

import json
import pathlib
import typing as t

from tap_intercom.errors import IntercomError


class InputFileError(IntercomError):
    """A config, state or catalog file that is missing or not a JSON object."""


def decode_json_object(text: str, what: str) -> dict[str, t.Any]:
    """A JSON object from the text of an input file.

    Args:
        text: The file's text.
        what: The file, as the message names it (``--state state.json``).

    Returns:
        The decoded object.

    Raises:
        InputFileError: When the text is not JSON, or not an object.

    >>> decode_json_object('{"a": 1}', "--state s.json")
    {'a': 1}
    >>> decode_json_object("[1]", "--state s.json")
    Traceback (most recent call last):
    ...
    tap_intercom.cli_input.InputFileError: --state s.json must hold a JSON object, not list
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{what} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise InputFileError(msg) from None
    if not isinstance(value, dict):
        msg = f"{what} must hold a JSON object, not {type(value).__name__}"
        raise InputFileError(msg)
    return value


def read_json_input(stream: t.IO[str], option: str) -> dict[str, t.Any]:
    """Decode a ``--state`` or ``--catalog`` file opened by the command line.

    Args:
        stream: The open file.
        option: ``--state`` or ``--catalog``.

    Returns:
        The decoded object.
    """
    return decode_json_object(stream.read(), f"{option} {getattr(stream, 'name', '')}".strip())


def config_files_error(paths: t.Iterable[str]) -> str | None:
    """Why the ``--config`` files cannot be used, or None when they all can.

    Args:
        paths: The ``--config`` values (``ENV`` reads the environment instead).

    Returns:
        A one-line message, or None.
    """
    for path in paths:
        if path == "ENV":
            continue
        file = pathlib.Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            return f"--config {path} cannot be read: {exc.strerror or exc}"
        try:
            decode_json_object(text, f"--config {path}")
        except InputFileError as exc:
            return str(exc)
    return None
