"""Turn an :class:`~transship_oracle.ddl_script.OracleSource` into a converted neutral catalog.

Both modes (scripts and the live dictionary) produce an ``OracleSource``; this module maps column
types, converts defaults, CHECK constraints, views and PL/SQL, and collects the findings the analysis
report shows. View queries go through sqlglot only after :func:`~transship_oracle.expressions.rewrite`
found no outer join ``(+)`` or other construct that sqlglot would silently change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from transship.sdk import NO_MATCH_RULE, Catalog, Routine, Table, TypeMapper, View, quote_ident
from transship.sdk import conversion_finding as finding
from transship_oracle.ddl_script import OracleSource, SourceSynonym, SourceView
from transship_oracle.dependencies import demote_dependents
from transship_oracle.expressions import rewrite
from transship_oracle.plsql import Context, convert_unit
from transship_oracle.sqlplus import client_command_notes
from transship_oracle.tokens import oracle_name, pg_name, tokenize
from transship_oracle.typerules import mapping_notes, source_type

GUESSED_RULES = {
    "oracle.number_unconstrained",
    "oracle.integer",
    "oracle.raw16_uuid",
    "oracle.sdo_geometry",
    NO_MATCH_RULE,
}
_CHAR_TYPES = ("varchar", "char", "text", "character")


@dataclass
class Converted:
    """The converted catalog plus what ``export schema`` reports and writes besides it."""

    catalog: Catalog
    findings: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    synonyms: list[tuple[str, str | None]] = field(
        default_factory=list
    )  # (name, SQL or None when unconverted)


def convert_source(src: OracleSource, mapper: TypeMapper, database: str = "") -> Converted:
    """Map, convert and collect findings for everything in ``src``."""
    schema = pg_name(src.schema)
    catalog = Catalog(source_type="oracle", database=database or src.schema, schemas=[schema])
    out = Converted(catalog)
    ctx = _context(src)
    for table in src.tables.values():
        _convert_table(table, mapper, ctx, out)
        catalog.tables.append(table)
    ctx.column_types = {(t.name, c.name): c.target_type or "" for t in catalog.tables for c in t.columns}
    catalog.sequences = list(src.sequences)
    for v in src.views:
        view = convert_view(v, src)
        if not view.converted:
            out.findings.append(
                finding(
                    "unconverted_object",
                    "MVIEW" if v.materialized else "VIEW",
                    view.name,
                    view.note or "",
                    "rewrite the query by hand",
                )
            )
        elif v.read_only:
            out.notes.append(
                f"view {view.name}: WITH READ ONLY has no PostgreSQL equivalent (revoke INSERT/UPDATE/DELETE on it instead)"
            )
        catalog.views.append(view)
    catalog.routines = [convert_unit(unit, ctx) for unit in src.units]
    demote_dependents(catalog.routines)  # nothing that would fail at run time may look converted
    for routine in catalog.routines:
        _routine_findings(routine, out)
    for syn in src.synonyms:
        out.synonyms.append((pg_name(syn.name), synonym_sql(syn, src)))
        if out.synonyms[-1][1] is None:
            out.findings.append(
                finding(
                    "unconverted_object",
                    "SYNONYM",
                    pg_name(syn.name),
                    f"synonym for {syn.target}, which is not a table or view of this schema",
                    "create a view or change the callers",
                )
            )
    for st in src.unknown:
        out.findings.append(
            finding(
                "unconverted_object",
                "UNCATEGORIZED",
                f"{st.source}:{st.line}",
                "statement not understood",
                "convert it by hand: " + " ".join(st.sql.split())[:100],
            )
        )
    for script, reason in client_command_notes(src.sqlplus.commands):
        out.findings.append(
            finding(
                "lossy_conversion",
                "SCRIPT",
                f"{script} (SQL*Plus commands)",
                reason,
                "check that none of them matters on the target (e.g. WHENEVER SQLERROR, CONNECT as another"
                " user); the exported schema needs no change for them",
            )
        )
    out.notes += src.notes
    return out


def _context(src: OracleSource) -> Context:
    ctx = Context(schema=src.schema, disabled_triggers=set(src.disabled_triggers))
    for unit in src.units:
        if unit.kind == "procedure":
            ctx.procedures.add(unit.name)
        elif unit.kind == "function":
            ctx.functions.add(unit.name)
        elif unit.kind == "type":
            ctx.types[unit.name] = quote_ident(pg_name(unit.name))
        elif unit.kind == "package":
            toks = tokenize(unit.sql)
            members = {
                oracle_name(toks[k + 1])
                for k, t in enumerate(toks[:-1])
                if t.is_word("PROCEDURE", "FUNCTION") and k > 3
            }
            ctx.packages[unit.name] = members
    return ctx


def _convert_table(table: Table, mapper: TypeMapper, ctx: Context, out: Converted) -> None:
    for col in table.columns:
        otype = col.extra.get("oracle_type")
        if otype is None:
            continue
        if otype.base.upper() in ctx.types and not otype.owner:
            col.target_type = ctx.types[otype.base.upper()]
            col.mapping_rule = "oracle.user_type"
        else:
            stype = source_type(otype)
            result = mapper.map(table, col, stype)
            extra_note = mapping_notes(col, otype)
            if extra_note:
                col.mapping_note = f"{col.mapping_note}; {extra_note}" if col.mapping_note else extra_note
            if result.drop_not_null:
                col.nullable = True
            if result.drop_default:
                col.default = None
        if col.identity and (col.target_type or "") not in ("smallint", "integer", "bigint"):
            col.target_type, col.mapping_rule = "bigint", "oracle.identity_bigint"
            col.mapping_note = "identity column: PostgreSQL identities are integers, bigint chosen (as ora2pg's FORCE_IDENTITY_BIGINT)"
        if col.mapping_note:
            kind = "guessed_type_mapping" if col.mapping_rule in GUESSED_RULES else "lossy_type_mapping"
            out.findings.append(finding(
                kind, "TABLE", f"{table.name}.{col.name}", col.mapping_note, "add a type-mapping rule in the config file to choose another type",
                rule=col.mapping_rule or "", source_type=col.source_type, target_type=col.target_type or "",
            ))  # fmt: skip
        if col.default is not None:
            text = col.default.strip()
            if text.upper() == "NULL" or text == "''":
                col.target_default = None
            else:
                r = rewrite(text)
                if r.ok:
                    col.target_default = r.text
                else:
                    out.findings.append(
                        finding(
                            "unconverted_object",
                            "TABLE",
                            f"{table.name}.{col.name}",
                            f"default {text} not converted: {'; '.join(r.problems)}",
                            "set the default by hand",
                        )
                    )
            if col.extra.get("default_on_null"):
                out.notes.append(
                    f"{table.name}.{col.name}: DEFAULT ON NULL becomes a plain DEFAULT (an explicit NULL is stored as NULL)"
                )
        if col.identity:
            col.extra.setdefault("identity_sequence", f"{table.name}_{col.name}_seq")
        if col.generated:
            r = rewrite(col.generated)
            if r.ok:
                col.generated = r.text
            else:
                out.findings.append(
                    finding(
                        "unconverted_object",
                        "TABLE",
                        f"{table.name}.{col.name}",
                        f"virtual column expression not converted: {'; '.join(r.problems)}",
                        "define the column by hand",
                    )
                )
                col.generated = None
    kept = []
    for con in table.constraints:
        if con.kind == "check" and con.expression is not None:
            r = rewrite(con.expression)
            if not r.ok:
                out.findings.append(
                    finding(
                        "unconverted_object",
                        "TABLE",
                        f"{table.name}.{con.name}",
                        f"CHECK ({con.expression}) not converted: {'; '.join(r.problems)}",
                        "add the constraint by hand",
                    )
                )
                continue
            con.expression = r.text
        kept.append(con)
    table.constraints = kept
    for index in table.indexes:
        if index.source_kind == "BITMAP":
            out.findings.append(
                finding(
                    "lossy_conversion",
                    "INDEX",
                    index.name,
                    "BITMAP index: PostgreSQL has no bitmap indexes (it combines btree indexes with bitmap scans); created as btree",
                    "drop it on the target if the column has few distinct values and is not searched alone",
                )
            )
    if table.partitioning and table.partitioning.note:
        out.notes.append(f"table {table.name}: {table.partitioning.note}")


def _routine_findings(routine: Routine, out: Converted) -> None:
    otype = {
        "function": "FUNCTION",
        "procedure": "PROCEDURE",
        "trigger": "TRIGGER",
        "package": "PACKAGE",
        "type": "TYPE",
    }.get(routine.kind, "UNCATEGORIZED")
    if routine.target_sql is None:
        out.findings.append(
            finding(
                "unconverted_object",
                otype,
                routine.name,
                "; ".join(routine.notes) or "not converted",
                "convert it by hand; the original is kept commented in the schema file",
            )
        )
    else:
        for note in routine.notes:
            if "not converted" in note:
                out.findings.append(
                    finding(
                        "unconverted_object",
                        otype,
                        routine.name,
                        note,
                        "convert it by hand; the original is kept commented in the schema file",
                    )
                )


# ---------------------------------------------------------------------------------------------- views
def convert_view(v: SourceView, src: OracleSource) -> View:
    """Convert a view query; anything sqlglot might change silently keeps the view unconverted."""
    view = View(
        schema=pg_name(src.schema),
        name=v.name,
        definition=v.query,
        materialized=v.materialized,
        source_definition=v.source,
    )
    pre = rewrite(v.query, for_sqlglot=True)
    if not pre.ok:
        view.converted = False
        view.note = "not converted: " + "; ".join(pre.problems)
        return view
    try:
        tree = sqlglot.parse_one(pre.text, read="oracle", error_level=sqlglot.ErrorLevel.RAISE)
        _fix_tree(tree, src)
        if v.columns:
            _alias_columns(tree, v.columns)
        sql = tree.sql(dialect="postgres", pretty=True, unsupported_level=sqlglot.ErrorLevel.RAISE)
    except (sqlglot.errors.ParseError, sqlglot.errors.UnsupportedError, ValueError) as exc:
        view.converted = False
        view.note = f"not converted: {str(exc).splitlines()[0][:200]}"
        return view
    if isinstance(tree, exp.Command):
        view.converted = False
        view.note = "not converted: the query was not understood"
        return view
    view.definition = sql
    if v.check_option:
        view.check_option = "cascaded"
    return view


def _alias_columns(tree: Any, columns: list[str]) -> None:
    select = tree if isinstance(tree, exp.Select) else None
    if (
        select is None
        or len(select.expressions) != len(columns)
        or any(isinstance(e, exp.Star) for e in select.expressions)
    ):
        raise ValueError("view column list does not match the query's select list")
    new = []
    for projection, name in zip(select.expressions, columns, strict=True):
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        new.append(exp.alias_(inner, exp.to_identifier(name, quoted=name != name.lower())))
    select.set("expressions", new)


def _fix_tree(tree: Any, src: OracleSource) -> None:
    """Oracle compares a character column with a number by converting the column: make that explicit."""
    aliases: dict[str, Table] = {}
    by_name = {t.name: t for t in src.tables.values()}
    for tbl in tree.find_all(exp.Table):
        table = by_name.get(tbl.name.lower()) or by_name.get(tbl.name)
        if table is not None:
            aliases[(tbl.alias_or_name).lower()] = table

    def column_type(col: exp.Column) -> str | None:
        name = col.name.lower()
        candidates = (
            [aliases[col.table.lower()]]
            if col.table and col.table.lower() in aliases
            else list(aliases.values())
        )
        for table in candidates:
            for c in table.columns:
                if c.name == name and c.target_type:
                    return c.target_type
        return None

    comparisons = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)
    for node in list(tree.find_all(*comparisons)):
        left, right = node.left, node.right
        for a, b in ((left, right), (right, left)):
            inner = a.unnest() if isinstance(a, exp.Paren) else a
            if isinstance(inner, exp.Column) and isinstance(b, exp.Literal) and not b.is_string:
                ctype = column_type(inner)
                if ctype and ctype.lower().startswith(_CHAR_TYPES):
                    inner.replace(exp.cast(inner.copy(), "numeric"))


def synonym_sql(syn: SourceSynonym, src: OracleSource) -> str | None:
    """A synonym for a table or view of the schema becomes a view (ora2pg does the same)."""
    target = pg_name(syn.target)
    if syn.target_owner not in (None, src.schema):
        return None
    known = {t.name for t in src.tables.values()} | {v.name for v in src.views}
    if target not in known:
        return None
    return f"CREATE OR REPLACE VIEW {quote_ident(pg_name(syn.name))} AS SELECT * FROM {quote_ident(target)};"  # noqa: S608 - quoted identifiers
