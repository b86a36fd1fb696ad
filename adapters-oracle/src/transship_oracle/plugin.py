"""Registers the Oracle adapter with transship."""

from transship import hookimpl
from transship.adapters.base import AdapterRecord


@hookimpl
def transship_source_adapters() -> list[AdapterRecord]:
    return [
        AdapterRecord(
            "oracle",
            "transship_oracle.adapter:OracleAdapter",
            "Oracle (python-oracledb thin mode; or DDL/INSERT scripts)",
        )
    ]
