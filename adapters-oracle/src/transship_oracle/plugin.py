"""Registers the Oracle adapter with transship."""

from transship.sdk import AdapterRecord, hookimpl


@hookimpl
def transship_source_adapters() -> list[AdapterRecord]:
    return [
        AdapterRecord(
            "oracle",
            "transship_oracle.adapter:OracleAdapter",
            "Oracle (python-oracledb thin mode; or DDL/INSERT scripts)",
        )
    ]
