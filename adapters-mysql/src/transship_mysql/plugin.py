"""Registers the MySQL adapter with transship."""

from transship.sdk import AdapterRecord, hookimpl


@hookimpl
def transship_source_adapters() -> list[AdapterRecord]:
    return [AdapterRecord("mysql", "transship_mysql.adapter:MySQLAdapter", "MySQL and MariaDB (pymysql)")]
