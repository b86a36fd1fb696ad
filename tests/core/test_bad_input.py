"""Bad input (issue 2 acceptance): each case fails with a one-line ``ERROR: ... — fix: ...`` and a non-zero
exit, and the same command works once the cause is fixed. Everything runs against real servers."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
from conftest_core import SMALL, Migration, ScramServer, assert_one_line_error

from transship.exportdir import ExportDir
from transship.sinks.postgresql import PostgresSink
