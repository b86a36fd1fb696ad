"""Registers the MySQL adapter with transship."""

from transship import hookimpl
from transship.adapters.base import AdapterRecord


@hookimpl
def transship_source_adapters() -> list[AdapterRecord]:
    return [AdapterRecord("mysql", "transship_mysql.adapter:MySQLAdapter", "MySQL and MariaDB (pymysql)")]
