"""Live mode: read one Oracle schema from the ``ALL_*`` dictionary views into an OracleSource.

Every query is in :data:`QUERIES` (bind ``:owner``), so tests can replay recorded result sets of the
same shape. Routine and trigger texts are rebuilt as ``CREATE OR REPLACE ...`` statements and go
through the same converter as script mode.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from transship.sdk import Column, Constraint, Index, Partitioning, Sequence, Table, quote_ident
from transship_oracle.datatypes import type_from_dictionary
from transship_oracle.ddl_script import OracleSource, SourceSynonym, SourceUnit, SourceView, parse_view
from transship_oracle.expressions import rewrite
from transship_oracle.script_data import _Values, parse_oracle_datetime
from transship_oracle.tokens import ScriptSyntaxError, pg_name, split_top_level, tokenize

QUERIES: dict[str, str] = {
    "schema": "SELECT username FROM all_users WHERE username = :owner",
    "tables": (
        "SELECT t.table_name, t.temporary, t.iot_type, t.partitioned, t.num_rows FROM all_tables t "
        "WHERE t.owner = :owner AND t.nested = 'NO' AND t.secondary = 'N' AND t.table_name NOT LIKE 'BIN$%' "
        "AND NOT EXISTS (SELECT 1 FROM all_mviews m WHERE m.owner = t.owner AND m.mview_name = t.table_name) "
        "ORDER BY t.table_name"
    ),
    "columns": (
        "SELECT table_name, column_name, data_type, data_type_owner, data_length, char_length, char_used, "
        "data_precision, data_scale, nullable, data_default, column_id, virtual_column "
        "FROM all_tab_cols WHERE owner = :owner AND hidden_column = 'NO' AND table_name NOT LIKE 'BIN$%' "
        "ORDER BY table_name, column_id"
    ),
    "identity": "SELECT table_name, column_name, generation_type, sequence_name, identity_options FROM all_tab_identity_cols WHERE owner = :owner",
    "constraints": (
        "SELECT constraint_name, constraint_type, table_name, search_condition, r_owner, r_constraint_name, "
        "delete_rule, status, deferrable, deferred, validated, generated FROM all_constraints "
        "WHERE owner = :owner AND constraint_type IN ('P', 'U', 'R', 'C') AND table_name NOT LIKE 'BIN$%' "
        "ORDER BY table_name, constraint_name"
    ),
    "constraint_columns": "SELECT owner, constraint_name, table_name, column_name, position FROM all_cons_columns WHERE owner = :owner ORDER BY constraint_name, position",
    "indexes": (
        "SELECT i.index_name, i.table_name, i.index_type, i.uniqueness, i.partitioned FROM all_indexes i "
        "WHERE i.owner = :owner AND i.table_owner = :owner AND i.index_type NOT IN ('LOB', 'IOT - TOP') "
        "AND NOT EXISTS (SELECT 1 FROM all_constraints c WHERE c.owner = i.table_owner AND c.index_name = i.index_name "
        "AND c.constraint_type IN ('P', 'U')) ORDER BY i.table_name, i.index_name"
    ),
    "index_columns": "SELECT index_name, column_name, column_position, descend FROM all_ind_columns WHERE index_owner = :owner ORDER BY index_name, column_position",
    "index_expressions": "SELECT index_name, column_position, column_expression FROM all_ind_expressions WHERE index_owner = :owner",
    "sequences": (
        "SELECT sequence_name, min_value, max_value, increment_by, cycle_flag, last_number "
        "FROM all_sequences WHERE sequence_owner = :owner ORDER BY sequence_name"
    ),
    "views": "SELECT view_name, text, read_only FROM all_views WHERE owner = :owner ORDER BY view_name",
    "view_columns": "SELECT table_name, column_name FROM all_tab_cols WHERE owner = :owner AND table_name IN (SELECT view_name FROM all_views WHERE owner = :owner) ORDER BY table_name, column_id",
    "mviews": "SELECT mview_name, query, refresh_method, refresh_mode FROM all_mviews WHERE owner = :owner ORDER BY mview_name",
    "synonyms": "SELECT synonym_name, table_owner, table_name, db_link FROM all_synonyms WHERE owner = :owner ORDER BY synonym_name",
    "triggers": (
        "SELECT trigger_name, description, when_clause, trigger_body, status, base_object_type "
        "FROM all_triggers WHERE owner = :owner ORDER BY trigger_name"
    ),
    "source": (
        "SELECT name, type, line, text FROM all_source WHERE owner = :owner "
        "AND type IN ('PROCEDURE', 'FUNCTION', 'PACKAGE', 'PACKAGE BODY', 'TYPE', 'TYPE BODY') ORDER BY type, name, line"
    ),
    "part_tables": "SELECT table_name, partitioning_type, subpartitioning_type, interval FROM all_part_tables WHERE owner = :owner",
    "part_keys": "SELECT name, column_name, column_position FROM all_part_key_columns WHERE owner = :owner AND object_type = 'TABLE' ORDER BY name, column_position",
    "partitions": "SELECT table_name, partition_name, partition_position, high_value FROM all_tab_partitions WHERE table_owner = :owner ORDER BY table_name, partition_position",
    "table_comments": "SELECT table_name, comments FROM all_tab_comments WHERE owner = :owner AND comments IS NOT NULL AND table_type = 'TABLE'",
    "column_comments": "SELECT table_name, column_name, comments FROM all_col_comments WHERE owner = :owner AND comments IS NOT NULL",
}

# object types a unit kind belongs to (for --object-type-list filtering at read time)
_SOURCE_ORDER = ("TYPE", "PACKAGE", "FUNCTION", "PROCEDURE", "PACKAGE BODY", "TYPE BODY")


def fetch(conn: Any, name: str, owner: str) -> list[dict[str, Any]]:
    """Run one dictionary query; rows as dicts keyed by lower-case column names."""
    cur = conn.cursor()
    try:
        cur.arraysize = 1000
        cur.execute(QUERIES[name], owner=owner)
        cols = [d[0].lower() for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    finally:
        cur.close()


def read_dictionary(conn: Any, owner: str) -> OracleSource:
    """Read schema ``owner`` (upper case as Oracle stores it) into an :class:`OracleSource`."""
    src = OracleSource(schema=owner)
    schema = pg_name(owner)
    for row in fetch(conn, "tables", owner):
        t = Table(schema=schema, name=pg_name(row["table_name"]), row_estimate=int(row["num_rows"] or 0))
        t.extra["oracle_name"] = row["table_name"]
        if row["temporary"] == "Y":
            src.notes.append(f"global temporary table {row['table_name']} becomes an ordinary table")
        src.tables[row["table_name"]] = t
    identity = {(r["table_name"], r["column_name"]): r for r in fetch(conn, "identity", owner)}
    for row in fetch(conn, "columns", owner):
        table = src.tables.get(row["table_name"])
        if table is None:
            continue
        otype = type_from_dictionary(
            row["data_type"], row["data_length"], row["char_length"], row["data_precision"], row["data_scale"],
            row["char_used"], row["data_type_owner"],
        )  # fmt: skip
        col = Column(
            name=pg_name(row["column_name"]),
            source_type=otype.raw,
            nullable=row["nullable"] == "Y",
            ordinal=int(row["column_id"] or 0),
        )
        col.extra["oracle_name"] = row["column_name"]
        col.extra["oracle_type"] = otype
        default = (row["data_default"] or "").strip()
        ident = identity.get((row["table_name"], row["column_name"]))
        if ident is not None:
            col.identity = "always" if ident["generation_type"] == "ALWAYS" else "by default"
            col.extra["oracle_identity_sequence"] = ident["sequence_name"]
            opts = ident["identity_options"] or ""
            if "START WITH:" in opts:
                col.extra["identity_start"] = int(opts.split("START WITH:", 1)[1].split(",")[0].strip())
        elif row["virtual_column"] == "YES":
            col.generated = default
        elif default:
            col.default = default
        table.columns.append(col)
    _constraints(conn, owner, src)
    _indexes(conn, owner, src)
    for row in fetch(conn, "sequences", owner):
        if row["sequence_name"].startswith("ISEQ$$_"):
            continue
        seq = Sequence(
            schema=schema,
            name=pg_name(row["sequence_name"]),
            increment=int(row["increment_by"]),
            cycle=row["cycle_flag"] == "Y",
        )
        max_value, min_value = int(row["max_value"]), int(row["min_value"])
        seq.max_value = max_value if max_value <= 2**63 - 1 else None
        seq.min_value = min_value if min_value >= -(2**63) + 1 else None
        seq.start = int(row["last_number"])
        seq.last_value = int(row["last_number"])
        seq.is_called = False
        src.sequences.append(seq)
    view_cols: dict[str, list[str]] = defaultdict(list)
    for row in fetch(conn, "view_columns", owner):
        view_cols[row["table_name"]].append(pg_name(row["column_name"]))
    for row in fetch(conn, "views", owner):
        create = f'CREATE VIEW "{row["view_name"]}" AS\n{row["text"].strip().rstrip(";")}'
        view = parse_view(create, tokenize(create))  # also strips a trailing WITH READ ONLY / CHECK OPTION
        view.columns = view_cols.get(row["view_name"], [])
        view.read_only = view.read_only or row.get("read_only") == "Y"
        src.views.append(view)
    for row in fetch(conn, "mviews", owner):
        src.views.append(
            SourceView(
                pg_name(row["mview_name"]),
                row["query"].strip().rstrip(";"),
                materialized=True,
                source=f"CREATE MATERIALIZED VIEW {row['mview_name']} AS\n{row['query']}",
            )
        )
    for row in fetch(conn, "synonyms", owner):
        if row["db_link"]:
            src.notes.append(
                f"synonym {row['synonym_name']} points over database link {row['db_link']}: not converted"
            )
            continue
        src.synonyms.append(SourceSynonym(row["synonym_name"], row["table_owner"], row["table_name"]))
    _source(conn, owner, src)
    _partitions(conn, owner, src)
    for row in fetch(conn, "table_comments", owner):
        if row["table_name"] in src.tables:
            src.tables[row["table_name"]].comment = row["comments"]
    for row in fetch(conn, "column_comments", owner):
        table = src.tables.get(row["table_name"])
        if table is not None:
            for c in table.columns:
                if c.extra.get("oracle_name") == row["column_name"]:
                    c.comment = row["comments"]
    return src


def _constraints(conn: Any, owner: str, src: OracleSource) -> None:
    cols: dict[str, list[str]] = defaultdict(list)
    con_table: dict[str, str] = {}
    for row in fetch(conn, "constraint_columns", owner):
        cols[row["constraint_name"]].append(row["column_name"])
        con_table[row["constraint_name"]] = row["table_name"]
    rows = fetch(conn, "constraints", owner)
    by_name = {r["constraint_name"]: r for r in rows}
    for row in rows:
        table = src.tables.get(row["table_name"])
        if table is None:
            continue
        kind = {"P": "primary", "U": "unique", "R": "foreign", "C": "check"}[row["constraint_type"]]
        condition = (row["search_condition"] or "").strip()
        if kind == "check" and _is_not_null_check(condition, cols[row["constraint_name"]]):
            continue  # Oracle's NOT NULL constraints: the column is already NOT NULL
        name = pg_name(row["constraint_name"]) if row["generated"] != "GENERATED NAME" else ""
        con = Constraint(name, kind, [pg_name(c) for c in cols[row["constraint_name"]]])
        if kind == "check":
            con.columns = []
            con.expression = condition
        if kind == "foreign":
            ref = by_name.get(row["r_constraint_name"])
            ref_table = ref["table_name"] if ref else con_table.get(row["r_constraint_name"], "")
            con.ref_table = pg_name(ref_table)
            con.ref_columns = [pg_name(c) for c in cols.get(row["r_constraint_name"], [])]
            if row["r_owner"] and row["r_owner"] != owner:
                src.notes.append(
                    f"foreign key {row['constraint_name']} references {row['r_owner']}.{ref_table} in another schema: created without a schema (adjust by hand)"
                )
            rule = (row["delete_rule"] or "NO ACTION").upper()
            con.on_delete = rule if rule != "NO ACTION" else None
        con.deferrable = row["deferrable"] == "DEFERRABLE"
        con.initially_deferred = row["deferred"] == "DEFERRED"
        con.not_valid = kind in ("foreign", "check") and (
            row["status"] == "DISABLED" or row["validated"] == "NOT VALIDATED"
        )
        table.constraints.append(con)


def _is_not_null_check(condition: str, columns: list[str]) -> bool:
    if len(columns) != 1:
        return False
    text = " ".join(condition.split()).upper()
    return text in (f'"{columns[0]}" IS NOT NULL', f"{columns[0]} IS NOT NULL")


def _indexes(conn: Any, owner: str, src: OracleSource) -> None:
    cols: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in fetch(conn, "index_columns", owner):
        cols[row["index_name"]].append(row)
    exprs = {
        (r["index_name"], r["column_position"]): r["column_expression"]
        for r in fetch(conn, "index_expressions", owner)
    }
    for row in fetch(conn, "indexes", owner):
        table = src.tables.get(row["table_name"])
        if table is None:
            continue
        names: list[str] = []
        desc: list[bool] = []
        by_oracle = {str(c.extra.get("oracle_name", c.name.upper())): c.name for c in table.columns}
        for c in cols[row["index_name"]]:
            expr = exprs.get((row["index_name"], c["column_position"]))
            is_desc = c["descend"] == "DESC"
            if expr is not None:
                text = expr.strip()
                if text.startswith('"') and text.endswith('"') and text[1:-1] in by_oracle:
                    names.append(by_oracle[text[1:-1]])
                else:
                    r = rewrite(text)
                    names.append(_expression_names(r.text, by_oracle))
            else:
                names.append(by_oracle.get(c["column_name"], pg_name(c["column_name"])))
            desc.append(is_desc)
        index = Index(
            pg_name(row["index_name"]),
            table.name,
            names,
            unique=row["uniqueness"] == "UNIQUE",
            descending=desc,
        )
        kind = row["index_type"]
        if "BITMAP" in kind:
            index.source_kind = "BITMAP"
            index.note = "BITMAP index created as a btree index"
        elif kind.startswith("FUNCTION-BASED"):
            index.source_kind = kind
        elif kind == "DOMAIN":
            src.notes.append(f"domain index {row['index_name']} (Oracle Text/Spatial) is not converted")
            continue
        table.indexes.append(index)


def _expression_names(expr: str, by_oracle: dict[str, str]) -> str:
    """Replace ``"COL"`` references in a dictionary index expression with PostgreSQL names."""
    out, pos = [], 0
    for t in tokenize(expr):
        if t.kind == "qident" and t.value in by_oracle:
            out.append(expr[pos : t.start])
            out.append(quote_ident(by_oracle[t.value]))
            pos = t.end
    out.append(expr[pos:])
    return "".join(out)


def _source(conn: Any, owner: str, src: OracleSource) -> None:
    texts: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in fetch(conn, "source", owner):
        texts[(row["type"], row["name"])].append(row["text"])
    for otype in _SOURCE_ORDER:
        for (kind, name), lines in texts.items():
            if kind != otype:
                continue
            body = "".join(lines).strip()
            src.units.append(SourceUnit(kind.lower(), name, f"CREATE OR REPLACE {body}"))
    for row in fetch(conn, "triggers", owner):
        if row["base_object_type"] not in ("TABLE", "VIEW"):
            src.units.append(
                SourceUnit(
                    "block",
                    row["trigger_name"],
                    f"-- {row['base_object_type']} trigger\n{row['trigger_body']}",
                )
            )
            continue
        when = f"\nWHEN ({row['when_clause']})" if row["when_clause"] else ""
        sql = f"CREATE OR REPLACE TRIGGER {row['description'].strip()}{when}\n{row['trigger_body'].strip()}"
        src.units.append(SourceUnit("trigger", row["trigger_name"], sql))
        if row["status"] == "DISABLED":
            src.disabled_triggers.add(row["trigger_name"])


def _partitions(conn: Any, owner: str, src: OracleSource) -> None:
    keys: dict[str, list[str]] = defaultdict(list)
    for row in fetch(conn, "part_keys", owner):
        keys[row["name"]].append(pg_name(row["column_name"]))
    parts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in fetch(conn, "partitions", owner):
        parts[row["table_name"]].append(row)
    for row in fetch(conn, "part_tables", owner):
        table = src.tables.get(row["table_name"])
        if table is None:
            continue
        method = row["partitioning_type"].lower()
        if method not in ("range", "list", "hash"):
            src.notes.append(
                f"table {row['table_name']}: {row['partitioning_type']} partitioning is not converted (created unpartitioned)"
            )
            continue
        p = Partitioning(method=method, key=keys[row["table_name"]])
        notes = []
        if row.get("interval"):
            notes.append(
                "INTERVAL partitioning: partitions Oracle creates on demand must be created by hand on the target"
            )
        if row["subpartitioning_type"] not in (None, "NONE"):
            notes.append("subpartitions are not converted")
        lower = None
        plist = parts[row["table_name"]]
        for k, part in enumerate(plist):
            name = pg_name(part["partition_name"])
            values = _high_values(part["high_value"] or "")
            if method == "hash":
                p.partitions.append((name, f"FOR VALUES WITH (MODULUS {len(plist)}, REMAINDER {k})"))
            elif method == "list":
                p.partitions.append(
                    (name, "DEFAULT" if values == ["DEFAULT"] else f"FOR VALUES IN ({', '.join(values)})")
                )
            else:
                upper = ", ".join(values)
                frm = lower if lower is not None else ", ".join("MINVALUE" for _ in values)
                p.partitions.append((name, f"FOR VALUES FROM ({frm}) TO ({upper})"))
                lower = upper
        p.note = "; ".join(notes) or None
        table.partitioning = p


def _high_values(text: str) -> list[str]:
    """``HIGH_VALUE`` texts (``TO_DATE(' 2024-01-01 00:00:00', 'SYYYY-MM-DD HH24:MI:SS', ...)``, ``100``, ``MAXVALUE``)."""
    out = []
    toks = tokenize(text)
    ev = _Values(text)
    for part in split_top_level(toks):
        if len(part) == 1 and part[0].is_word("MAXVALUE", "DEFAULT"):
            out.append(part[0].upper)
            continue
        if part[0].is_word("TO_DATE", "TO_TIMESTAMP"):
            args = split_top_level(part[2:-1])
            fixed = [text[a[0].start : a[-1].end] for a in args[:2]]
            value_text = tokenize(fixed[0])[0].value.strip()
            fmt = tokenize(fixed[1])[0].value
            out.append("'" + parse_oracle_datetime(value_text, fmt).isoformat(sep=" ") + "'")
            continue
        try:
            value = ev.value(part)
        except ScriptSyntaxError:
            out.append(rewrite(text[part[0].start : part[-1].end]).text)
            continue
        if value is None:
            out.append("NULL")
        elif isinstance(value, (int, Decimal)):
            out.append(str(value))
        else:
            out.append("'" + str(value).replace("'", "''") + "'")
    return out
