"""What to tell the user after Ctrl-C: the command that resumes, honest about ``--start-clean``."""

from __future__ import annotations

import shlex
from typing import Any

#: Commands whose ``--start-clean`` (and ``--truncate-tables``) part a re-run without those flags builds on:
#: re-running them with the flags would throw away what the interrupted run did.
RESUMABLE_AFTER_CLEAN = ("export data", "import data")
_CLEAN_FLAGS = ("--start-clean", "--truncate-tables")


def without_clean_flags(args: list[str]) -> list[str]:
    """``args`` without ``--start-clean``/``--truncate-tables`` and their values (``--flag``, ``--flag true``,
    ``--flag=true``)."""
    out: list[str] = []
    skip_value = False
    for arg in args:
        if skip_value:
            skip_value = False
            if not arg.startswith("-"):
                continue  # the flag's value (a bare flag is followed by the next option)
        if arg in _CLEAN_FLAGS:
            skip_value = True
            continue
        if arg.split("=", 1)[0] in _CLEAN_FLAGS and "=" in arg:
            continue
        out.append(arg)
    return out


def interrupt_hint(command: str, params: dict[str, Any], args: list[str]) -> str:
    """The line printed after an interrupt.

    :param command: e.g. ``export data``.
    :param params: the command's parsed flags (config-file values included).
    :param args: the command line after the program name, passwords already redacted.
    """
    if not params.get("start_clean"):
        return "interrupted; re-run the same command to resume"
    if command not in RESUMABLE_AFTER_CLEAN:
        return "interrupted; re-run the same command: with --start-clean it starts again from the beginning"
    again = without_clean_flags(args)
    # a value from the config file is not on the command line: switch it off explicitly
    on_command_line = {a.split("=", 1)[0] for a in args}
    for flag, name in (("--start-clean", "start_clean"), ("--truncate-tables", "truncate_tables")):
        if params.get(name) and flag not in on_command_line:
            again += [flag, "false"]
    return (
        "interrupted; to resume, re-run WITHOUT --start-clean/--truncate-tables (with them it starts over and "
        f"throws away what this run did): {shlex.join(['transship', *again])}"
    )
