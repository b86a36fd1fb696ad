"""Registers the Oracle adapter with transship, and the connection settings only Oracle has."""

from transship.sdk import AdapterRecord, ConnectionOption, hookimpl

#: voyager's Oracle flags (config keys ``source.oracle-*``); the ``oracle-cdb-*`` ones are live migration's
OPTIONS = (
    ConnectionOption("oracle-db-sid", "Oracle SID (instead of --source-db-name service name)."),
    ConnectionOption(
        "oracle-tns-alias", "Oracle TNS alias (tnsnames.ora in --oracle-home/network/admin or TNS_ADMIN)."
    ),
    ConnectionOption(
        "oracle-home", "Where tnsnames.ora is found (network/admin); thin mode needs no client."
    ),
    ConnectionOption("oracle-cdb-name", "Accepted for voyager compatibility (live migration).", hidden=True),
    ConnectionOption("oracle-cdb-sid", "Accepted for voyager compatibility (live migration).", hidden=True),
    ConnectionOption(
        "oracle-cdb-tns-alias", "Accepted for voyager compatibility (live migration).", hidden=True
    ),
)


@hookimpl
def transship_source_adapters() -> list[AdapterRecord]:
    return [
        AdapterRecord(
            "oracle",
            "transship_oracle.adapter:OracleAdapter",
            "Oracle (python-oracledb thin mode; or DDL/INSERT scripts)",
            OPTIONS,
        )
    ]
