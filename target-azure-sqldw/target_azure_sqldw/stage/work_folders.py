"""Local work folders of batches being staged, and the sweep of ones a killed run left.

Touches the local temporary folder (``TMPDIR``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import pathlib
import re
import shutil
import stat
import tempfile

from target_azure_sqldw.encode.formats import EXTENSIONS

LOGGER = logging.getLogger("target-azure-sqldw")

#: Every batch folder's name starts with this (then ``tempfile``'s random part).
PREFIX = "target-azure-sqldw-"
#: The files ``PartWriter`` writes into a batch folder; a folder holding anything else is
#: not taken for one of ours.
_OUR_FILES = re.compile(
    r"(part-\d{5,}|aside)(" + "|".join(re.escape(ext) for ext in EXTENSIONS.values()) + ")"
)


#: The least time a folder must be unchanged before it is swept, whatever the setting: a
#: live batch's folder changes at least every ``batch_max_age_seconds`` (300 by default) and
#: its load; tests, and users, set the blob sweep's age to seconds.
MIN_AGE = dt.timedelta(hours=6)


def new_work_folder() -> pathlib.Path:
    """A new, private folder for one batch's part files, under ``TMPDIR``."""
    return pathlib.Path(tempfile.mkdtemp(prefix=PREFIX))


def sweep_work_folders(
    older_than: dt.timedelta,
    root: pathlib.Path | None = None,
    now: dt.datetime | None = None,
) -> list[pathlib.Path]:
    """Remove batch folders that nothing has written to for ``older_than`` (``MIN_AGE`` at least).

    A run killed by a signal it cannot handle (SIGKILL, the out-of-memory killer) leaves the
    part files of its unfinished batches behind. At start-up they are removed once stale: a
    folder of this user's, named as the target names them, holding only part files, whose
    newest modification (the folder's own or a file's) is older than the threshold, which
    keeps the sweep away from runs still in progress. Anything else is left alone.

    Args:
        older_than: Minimum time since the folder's last change (``MIN_AGE`` if shorter).
        root: The temporary folder (default: ``tempfile.gettempdir()``).
        now: The current time (UTC).

    Returns:
        The folders removed.
    """
    base = root if root is not None else pathlib.Path(tempfile.gettempdir())
    older_than = max(older_than, MIN_AGE)
    cutoff = ((now or dt.datetime.now(dt.timezone.utc)) - older_than).timestamp()
    removed: list[pathlib.Path] = []
    try:
        candidates = [entry for entry in os.scandir(base) if entry.name.startswith(PREFIX)]
    except OSError:
        return removed  # an unreadable temporary folder: nothing of ours to find
    for entry in candidates:
        folder = pathlib.Path(entry.path)
        try:
            if _stale(entry, cutoff):
                shutil.rmtree(folder)
                removed.append(folder)
        except OSError:
            continue  # gone meanwhile, or not ours to remove
    if removed:
        LOGGER.info(
            "Swept %d local batch folder(s) under %s unchanged for %s",
            len(removed),
            base,
            older_than,
        )
    return removed


def _stale(entry: os.DirEntry[str], cutoff: float) -> bool:
    info = entry.stat(follow_symlinks=False)
    # The folder's own time first: a young folder's files need no look.
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mtime >= cutoff:
        return False
    with os.scandir(entry.path) as files:
        for file in files:
            file_info = file.stat(follow_symlinks=False)
            if not stat.S_ISREG(file_info.st_mode) or not _OUR_FILES.fullmatch(file.name):
                return False
            if file_info.st_mtime >= cutoff:
                return False
    return True
