"""A live Oracle database's side of ``verify``: the canonical text of each value built by Oracle's SQL
(:mod:`transship.verify.canonical`), hashed with ``STANDARD_HASH`` and summed per chunk; only one (count, sum)
per chunk crosses the network.

The forms follow what ``export data`` wrote (:mod:`transship_oracle.copytext`): NUMBER as its exact decimal
(with the target column's scale), BINARY_FLOAT/BINARY_DOUBLE by their IEEE-754 bits (widened to a double on
both sides), DATE and TIMESTAMP as wall-clock text with microseconds, time-zone types in UTC, INTERVAL DAY TO
SECOND as PostgreSQL normalises Python's ``timedelta`` (days rounded down, the rest as time), text and LOBs
by the md5 of their UTF-8 bytes (Oracle's ``VARCHAR2`` holds at most 4000 bytes in SQL, so a row's digest
input is kept short: every text is hashed), CHAR without its padding, RAW(16) written as a uuid.

LOBs are hashed with ``DBMS_CRYPTO.HASH``, which needs ``GRANT EXECUTE ON SYS.DBMS_CRYPTO``; without it a
table with LOB columns is counted only, and the note says why and what to grant.
No Oracle server runs where this is tested: ``tests/oracle/oracle_sql.py`` evaluates this SQL with Oracle's
documented function semantics on recorded values, against the PostgreSQL side of the migrated copy.
"""

from __future__ import annotations

from typing import Any

from transship.sdk import (
    HASH_HEX,
    NULL_MARK,
    SEPARATOR,
    ChunkPlan,
    ColumnSpec,
    Digests,
    RowValues,
    TableSpec,
    TransshipError,
    span_where,
    unpaired_columns,
)
from transship_oracle.connect import connect, translate

DISPLAY_CHARS = 200
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"  # Oracle's '' is NULL: the md5 of no bytes, written out
ORACLE_STRING_BYTES = 4000  # the longest VARCHAR2 in SQL (MAX_STRING_SIZE = STANDARD)
_TEXT = {"varchar2", "nvarchar2", "varchar", "char", "nchar", "rowid", "urowid"}
_LOBS = {"clob", "nclob", "blob"}
_FLOATS = {"binary_float", "binary_double", "float", "real", "double precision"}
#: the widest canonical text of each kind (for the 4000-byte limit of a row's digest input)
_WIDTH = {
    "int": 41,
    "numeric": 42,
    "float64": 16,
    "timestamp": 30,
    "interval": 45,
    "texthash": 32,
    "bytes": 32,
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _md5_hex(raw: str) -> str:
    return f"LOWER(RAWTOHEX({raw}))"


def kind_for(base: str, target_type: str, target_kind: str) -> str | None:
    """The kind both sides use for an Oracle column of ``base`` on a target of ``target_type``; None: none fits."""
    t = target_type.lower()
    if base in ("number", "integer", "smallint", "decimal", "numeric", "int"):
        if target_kind == "int":
            return "int"
        return "numeric" if target_kind == "numeric" else None
    if base in _FLOATS:
        if target_kind == "pgfloat":
            return "float64"
        return "numeric" if target_kind == "numeric" else None
    if base == "date" or base.startswith("timestamp"):
        return "timestamp" if target_kind == "timestamp" else None
    if base == "interval day to second" or base == "interval year to month":
        return "interval" if target_kind == "interval" else None
    if base in _TEXT or base in ("clob", "nclob", "long"):
        return "texthash" if target_kind == "text" and base != "long" else None
    if base in ("raw", "blob", "long raw"):
        if target_kind == "bytes" and base != "long raw":
            return "bytes"
        return "texthash" if t == "uuid" and base == "raw" else None
    return None


def piece(col: ColumnSpec) -> str:
    """Oracle: the canonical text of one column (NULL as ``~``)."""
    q = _q(str(col.extra["oracle_name"]))
    base, kind = col.type_name, col.kind
    scale = col.extra.get("scale")
    if kind == "int":
        inner = f"TO_CHAR({q})"
    elif kind == "numeric" and isinstance(scale, int) and scale > 0:
        # the target column's precision and scale: a type rule may widen both
        digits = int(str(col.extra.get("target_precision") or 38)) - scale
        mask = "FM" + "9" * max(digits - 1, 0) + "0." + "0" * scale
        inner = f"TO_CHAR({q}, '{mask}')"
    elif kind == "numeric":  # minimal text; TM9 leaves out the zero before the point
        inner = f"REGEXP_REPLACE(TO_CHAR({q}, 'TM9'), '^(-?)\\.', '\\10.')"
    elif kind == "float64":
        inner = (
            f"CASE WHEN {q} IS NAN THEN 'nan' "
            f"ELSE {_md5_hex(f'UTL_RAW.CAST_FROM_BINARY_DOUBLE(TO_BINARY_DOUBLE({q}))')} END"
        )
    elif kind == "timestamp":
        value = q
        if base == "timestamp with time zone":
            value = f"SYS_EXTRACT_UTC({q})"
        if base == "date":
            text = f"TO_CHAR({value}, 'YYYY-MM-DD HH24:MI:SS') || '.000000'"
        elif int(str(col.extra.get("precision") or 6)) > 6:
            # nanoseconds cut to microseconds, as python-oracledb reads them for the export
            text = f"SUBSTR(TO_CHAR({value}, 'YYYY-MM-DD HH24:MI:SS.FF9'), 1, 26)"
        else:
            text = f"TO_CHAR({value}, 'YYYY-MM-DD HH24:MI:SS.FF6')"
        inner = f"{text} || CASE WHEN {q} < DATE '0001-01-01' THEN ' BC' END"
    elif kind == "interval" and base == "interval year to month":
        inner = f"TO_CHAR(EXTRACT(YEAR FROM {q}) * 12 + EXTRACT(MONTH FROM {q})) || ':0:0'"
    elif kind == "interval":
        total = (
            f"(((EXTRACT(DAY FROM {q}) * 24 + EXTRACT(HOUR FROM {q})) * 60 + EXTRACT(MINUTE FROM {q})) * 60000000"
            f" + TRUNC(EXTRACT(SECOND FROM {q}) * 1000000))"  # nanoseconds cut, as python-oracledb reads them
        )
        days = f"FLOOR({total} / 86400000000)"
        inner = f"'0:' || TO_CHAR({days}) || ':' || TO_CHAR({total} - {days} * 86400000000)"
    elif kind == "bytes" and base == "blob":
        inner = _lob_md5(q)
    elif kind == "bytes":
        inner = _md5_hex(f"STANDARD_HASH({q}, 'MD5')")
    elif base == "raw":  # RAW(16) written as a uuid
        uuid = f"LOWER(REGEXP_REPLACE(RAWTOHEX({q}), '^(.{{8}})(.{{4}})(.{{4}})(.{{4}})(.{{12}})$', '\\1-\\2-\\3-\\4-\\5'))"
        inner = _md5_hex(f"STANDARD_HASH({uuid}, 'MD5')")
    elif base in ("clob", "nclob"):
        inner = _lob_md5(q)
    else:  # VARCHAR2, NVARCHAR2, CHAR (without its padding, as PostgreSQL's char(n)::text), ROWID
        text = f"ROWIDTOCHAR({q})" if base in ("rowid", "urowid") else q
        if base in ("char", "nchar"):
            text = f"RTRIM({q}, ' ')"
        if col.extra.get("utf8_database", True):
            # the database character set is UTF-8: STANDARD_HASH sees the UTF-8 bytes (national types
            # converted to it first); works for every VARCHAR2 length
            data = f"TO_CHAR({text})" if base in ("nvarchar2", "nchar") else text
        else:  # converted to UTF-8 bytes first; a RAW returned to SQL holds 2000 bytes at most
            data = f"UTL_I18N.STRING_TO_RAW({text}, 'AL32UTF8')"
        inner = f"CASE WHEN {q} IS NOT NULL THEN NVL({_md5_hex(f'STANDARD_HASH({data}, {chr(39)}MD5{chr(39)})')}, '{EMPTY_MD5}') END"
    if kind in ("timestamp", "interval"):  # Oracle's || skips a NULL: the composed text would not be NULL
        inner = f"CASE WHEN {q} IS NOT NULL THEN {inner} END"
    return f"NVL({inner}, '{NULL_MARK}')"


def _lob_md5(q: str) -> str:
    """The md5 of a LOB's bytes (a CLOB's as AL32UTF8); an empty LOB is the md5 of no bytes."""
    return (
        f"CASE WHEN {q} IS NULL THEN NULL WHEN DBMS_LOB.GETLENGTH({q}) = 0 THEN '{EMPTY_MD5}' "
        f"ELSE {_md5_hex(f'DBMS_CRYPTO.HASH({q}, 2)')} END"
    )


class OracleContentSource:
    """The live Oracle side for ``verify``: pairs target columns with the dictionary's columns."""

    def __init__(self, config: Any, driver: Any, tables: dict[str, Any], owner: str) -> None:
        self.config = config
        self.driver = driver
        self.owner = owner
        self.tables = tables  # PostgreSQL table name -> the source table (columns with their Oracle types)
        self._crypto: bool | None = None
        self._charset: str | None = None

    def _database_charset(self) -> str:
        if self._charset is None:
            conn = connect(self.config, self.driver)
            try:
                cur = conn.cursor()
                try:
                    cur.execute(
                        "SELECT value FROM nls_database_parameters WHERE parameter = 'NLS_CHARACTERSET'"
                    )
                    row = cur.fetchone()
                    self._charset = str(row[0]).upper() if row else ""
                finally:
                    cur.close()
            except TransshipError:
                raise
            except Exception as exc:
                raise translate(exc, self.config, "reading the database character set") from None
            finally:
                conn.close()
        return self._charset

    def _has_crypto(self) -> bool:
        if self._crypto is None:
            conn = connect(self.config, self.driver)
            try:
                cur = conn.cursor()
                try:
                    cur.execute("SELECT DBMS_CRYPTO.HASH(UTL_RAW.CAST_TO_RAW('x'), 2) FROM DUAL")
                    cur.fetchall()
                    self._crypto = True
                except Exception:  # ORA-00904 / ORA-06550: not granted
                    self._crypto = False
                finally:
                    cur.close()
            finally:
                conn.close()
        return self._crypto

    def table_spec(self, source_schema: str | None, source_name: str, target: TableSpec) -> TableSpec | str:
        table = self.tables.get(source_name)
        if table is None:
            return "missing on the source"
        by_name = {c.name: c for c in table.columns}
        reason = unpaired_columns(target, list(by_name))
        if reason:
            return reason
        columns = []
        for t in target.columns:
            col = by_name[t.name]
            otype = col.extra.get("oracle_type")
            base = otype.base if otype is not None else ""
            kind = kind_for(base, t.type_name, t.kind)
            if kind is None:
                return (
                    f"column {t.name} ({base or col.source_type} as {t.type_name}) has no canonical form yet"
                )
            if base in _LOBS and not self._has_crypto():
                return (
                    f"column {t.name} is a {base.upper()}: hashing LOBs needs DBMS_CRYPTO "
                    f"(GRANT EXECUTE ON SYS.DBMS_CRYPTO TO {self.config.user or 'the migration user'})"
                )
            precision = otype.fraction if base == "interval day to second" else otype.precision
            target_precision, scale = _target_numeric(t.type_name)
            columns.append(
                ColumnSpec(
                    t.name, kind, base,
                    {"oracle_name": col.extra.get("oracle_name", col.name.upper()), "precision": precision,
                     "scale": scale, "target_precision": target_precision, "target_type": t.type_name,
                     "utf8_database": self._database_charset() in ("AL32UTF8", "UTF8")},
                )
            )  # fmt: skip
        width = sum(_WIDTH.get(c.kind, 64) + 1 for c in columns)
        if width > ORACLE_STRING_BYTES:
            return (
                f"{len(columns)} columns make a digest input longer than Oracle's {ORACLE_STRING_BYTES} bytes"
            )
        oracle_table = str(getattr(table, "extra", {}).get("oracle_name") or source_name.upper())
        return TableSpec(self.owner, oracle_table, columns, list(target.key))

    def reader(self) -> OracleContentReader:
        return OracleContentReader(connect(self.config, self.driver), self.config)

    def close(self) -> None:
        pass


def _target_numeric(target_type: str) -> tuple[int | None, int | None]:
    """(precision, scale) of a ``numeric(p,s)`` target type; None where not given."""
    t = target_type.lower().replace(" ", "")
    if not t.startswith("numeric("):
        return None, None
    parts = t[t.index("(") + 1 : t.index(")")].split(",")
    return int(parts[0]), int(parts[1]) if len(parts) > 1 else None


class OracleContentReader:
    """A :class:`~transship.verify.content.ContentReader` over one Oracle connection."""

    def __init__(self, conn: Any, config: Any) -> None:
        self.conn = conn
        self.config = config
        cur = conn.cursor()
        try:  # TM9 and TO_CHAR(number) honour the session's decimal mark; LTZ values are read in UTC
            cur.execute("ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'")
            cur.execute("ALTER SESSION SET TIME_ZONE = '+00:00'")
        finally:
            cur.close()

    def close(self) -> None:
        self.conn.close()

    def _pieces(self, table: TableSpec, only: list[int] | None = None) -> list[str]:
        idx = range(len(table.columns)) if only is None else only
        return [piece(table.columns[i]) for i in idx]

    @staticmethod
    def _join(pieces: list[str]) -> str:
        return f" || '{SEPARATOR}' || ".join(pieces) if pieces else "'x'"

    def _row_hash(self, table: TableSpec) -> str:
        digest = f"RAWTOHEX(STANDARD_HASH({self._join(self._pieces(table))}, 'MD5'))"
        return f"TO_NUMBER(SUBSTR({digest}, 1, {HASH_HEX}), '{'X' * HASH_HEX}')"

    def _key_text(self, table: TableSpec) -> str:
        if not table.key:
            return f"TO_CHAR({self._row_hash(table)})"
        return self._join(self._pieces(table, table.key))

    def _key_ref(self, table: TableSpec) -> str:
        return _q(str(table.columns[table.key[0]].extra["oracle_name"]))

    def _bucket(self, table: TableSpec, plan: ChunkPlan) -> str:
        if plan.mode == "range":  # NUMBER arithmetic is exact
            return f"FLOOR(({self._key_ref(table)} - {int(plan.lo)}) / {int(plan.width)})"
        if plan.mode == "hash":
            digest = f"RAWTOHEX(STANDARD_HASH({self._key_text(table)}, 'MD5'))"
            return f"MOD(TO_NUMBER(SUBSTR({digest}, 1, 8), 'XXXXXXXX'), {int(plan.count)})"
        return f"MOD({self._row_hash(table)}, {int(plan.count)})"

    def _chunk_filter(self, table: TableSpec, plan: ChunkPlan, chunk: int) -> str:
        if plan.mode == "range":
            r = plan.range_of(chunk)
            k = self._key_ref(table)
            return f"{k} >= {int(r.lo)} AND {k} < {int(r.hi)}"
        return f"{self._bucket(table, plan)} = {int(chunk)}"

    @staticmethod
    def _from(table: TableSpec) -> str:
        return f"{_q(table.schema or '')}.{_q(table.name)}" if table.schema else _q(table.name)

    def key_bounds(self, table: TableSpec) -> tuple[int | None, int | None, int]:
        if table.single_int_key():
            k = self._key_ref(table)
            row = self._all(f"SELECT MIN({k}), MAX({k}), COUNT(*) FROM {self._from(table)}", table)[0]  # noqa: S608 - quoted identifiers
            return (
                None if row[0] is None else int(row[0]),
                None if row[1] is None else int(row[1]),
                int(row[2]),
            )
        row = self._all(f"SELECT COUNT(*) FROM {self._from(table)}", table)[0]  # noqa: S608 - quoted identifiers
        return None, None, int(row[0])

    def digests(self, table: TableSpec, plan: ChunkPlan, chunks: list[int] | None = None) -> Digests:
        where = ""
        if chunks is not None:
            where = (
                span_where(self._key_ref(table), plan, chunks)
                if plan.mode == "range"
                else f" WHERE {self._bucket(table, plan)} IN ({', '.join(str(int(c)) for c in chunks)})"
            )
        query = (
            f"SELECT b, COUNT(*), NVL(SUM(h), 0) FROM (SELECT {self._bucket(table, plan)} AS b, "  # noqa: S608 - quoted identifiers
            f"{self._row_hash(table)} AS h FROM {self._from(table)}{where}) GROUP BY b"
        )
        return {
            int(r[0]) if r[0] is not None else -1: (int(r[1]), int(r[2])) for r in self._all(query, table)
        }

    def chunk_rows(self, table: TableSpec, plan: ChunkPlan, chunk: int) -> list[tuple[str, int]]:
        query = (
            f"SELECT {self._key_text(table)}, {self._row_hash(table)} FROM {self._from(table)} "  # noqa: S608 - quoted identifiers
            f"WHERE {self._chunk_filter(table, plan, chunk)}"
        )
        return [(str(r[0]), int(r[1])) for r in self._all(query, table)]

    def rows(self, table: TableSpec, plan: ChunkPlan, chunk: int, keys: list[str]) -> dict[str, RowValues]:
        if not keys:
            return {}
        binds = {f"k{i}": k for i, k in enumerate(keys)}
        shown = [self._display(c) for c in table.columns]
        query = (
            f"SELECT {self._key_text(table)}, {', '.join(self._pieces(table))}, {', '.join(shown)} "  # noqa: S608 - quoted identifiers, keys bound
            f"FROM {self._from(table)} WHERE {self._chunk_filter(table, plan, chunk)} "
            f"AND {self._key_text(table)} IN ({', '.join(':' + b for b in binds)})"
        )
        n = len(table.columns)
        out: dict[str, RowValues] = {}
        for r in self._all(query, table, binds):
            out.setdefault(
                str(r[0]),
                RowValues(
                    [str(v) for v in r[1 : 1 + n]], [None if v is None else str(v) for v in r[1 + n :]]
                ),
            )
        return out

    @staticmethod
    def _display(col: ColumnSpec) -> str:
        q = _q(str(col.extra["oracle_name"]))
        if col.type_name in ("blob", "clob", "nclob"):
            return f"TO_CHAR(DBMS_LOB.GETLENGTH({q})) || ' bytes/chars'"
        if col.type_name == "raw":
            return f"SUBSTR(RAWTOHEX({q}), 1, 64)"
        return f"SUBSTR(TO_CHAR({q}), 1, {DISPLAY_CHARS})"

    def _all(self, query: str, table: TableSpec, binds: dict[str, Any] | None = None) -> list[Any]:
        cur = self.conn.cursor()
        try:
            cur.execute(query, binds or {})
            return list(cur.fetchall())
        except TransshipError:
            raise
        except Exception as exc:
            raise translate(exc, self.config, f"hashing {table.name}") from None
        finally:
            cur.close()
