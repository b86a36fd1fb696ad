"""Functions, procedures and triggers (bodies translated by :mod:`transship_mysql.routines`), and the
triggers standing in for ``ON UPDATE CURRENT_TIMESTAMP``."""

from __future__ import annotations

import re
from typing import Any

from transship.sdk import Column, Routine, Table, quote_ident
from transship_mysql.convert.base import ConverterBase
from transship_mysql.expressions import NotConvertible
from transship_mysql.names import fit
from transship_mysql.routines import Context, indent, translate_body
from transship_mysql.types import parse_type


class RoutineConversion(ConverterBase):
    """Stored functions, procedures and triggers."""

    def map_decl_type(self, text: str) -> str:
        text = re.sub(r"\s+(CHARSET|CHARACTER SET|COLLATE)\s+\S+", "", text.strip(), flags=re.I)
        stype = parse_type(text.lower())
        if stype.base in ("enum", "set") or stype.base in {"geometry", "point"}:
            raise NotConvertible(f"parameter/variable type {text} is not converted")
        if stype.base in ("datetime", "timestamp", "time") and stype.typemod:
            stype.precision = int(stype.typemod) if stype.typemod.isdigit() else None
        rule = self.mapper.find_rule(Table(self.db, "_routine"), Column("_v", text), stype)
        if rule is None:
            raise NotConvertible(f"type {text} has no mapping")
        return rule.render_target(stype)

    def _context(self, kind: str, return_type: str | None = None) -> Context:
        cast = bool(return_type and "(" in return_type)
        return Context(
            converter=self.converter,
            map_type=self.map_decl_type,
            kind=kind,
            return_type=return_type,
            return_cast=cast,
        )

    def routine(self, r: dict[str, Any]) -> Routine:
        kind = str(r["routine_type"]).lower()
        name = str(r["routine_name"])
        pg_name = name.lower()
        source = r.get("create_sql") or f"-- {kind} {name}\n{r.get('routine_definition') or ''}"
        routine = Routine(schema=self.db, name=pg_name, kind=kind, source_sql=source)
        body = r.get("routine_definition")
        try:
            if not body:
                raise NotConvertible(
                    "the routine body is not visible to the export user (needs SELECT on mysql.proc or to be the definer)"
                )
            params = []
            for p in self.src.parameters.get(name, []):
                if p.get("ordinal_position") == 0 or p.get("parameter_name") is None:
                    continue
                mode = str(p.get("parameter_mode") or "IN").upper()
                ptype = self.map_decl_type(str(p["dtd_identifier"]))
                params.append(
                    f"{mode + ' ' if kind == 'procedure' and mode != 'IN' else ''}{quote_ident(str(p['parameter_name']).lower())} {ptype}"
                )
            ret = self.map_decl_type(str(r["dtd_identifier"])) if kind == "function" else None
            ctx = self._context(kind, ret)
            plpgsql = translate_body(str(body), ctx)
            head = f"CREATE OR REPLACE {kind.upper()} {quote_ident(pg_name)}({', '.join(params)})"
            if kind == "function":
                head += f"\nRETURNS {_strip_typmod(ret or '')}"
                deterministic = str(r.get("is_deterministic") or "NO").upper() == "YES"
                access = str(r.get("sql_data_access") or "").upper()
                volatility = (
                    "STABLE" if deterministic or access in ("READS SQL DATA", "NO SQL") else "VOLATILE"
                )
                if access in ("MODIFIES SQL DATA",):
                    volatility = "VOLATILE"
                head += f"\nLANGUAGE plpgsql {volatility}"
            else:
                head += "\nLANGUAGE plpgsql"
            head += "\nSET search_path FROM CURRENT"
            routine.target_sql = (
                f"{head}\nAS $transship$\n#variable_conflict use_variable\n{plpgsql}\n$transship$;"
            )
        except NotConvertible as exc:
            routine.notes.append(str(exc))
            self.conv.finding(
                "unconverted_object",
                kind.upper(),
                pg_name,
                str(exc),
                "convert it by hand; the original is kept as a comment in the schema file",
            )
        return routine

    def trigger(self, trig: dict[str, Any]) -> Routine:
        name = str(trig["trigger_name"])
        pg_name = name.lower()
        table = self.table_name(str(trig["event_object_table"]))
        timing = str(trig["action_timing"]).upper()
        event = str(trig["event_manipulation"]).upper()
        source = (
            trig.get("create_sql")
            or f"CREATE TRIGGER {name} {timing} {event} ON {trig['event_object_table']} FOR EACH ROW\n{trig['action_statement']}"
        )
        routine = Routine(schema=self.db, name=pg_name, kind="trigger", source_sql=source, table=table)
        try:
            plpgsql = translate_body(str(trig["action_statement"]), self._context("trigger"))
            result = "NULL" if timing == "AFTER" else ("OLD" if event == "DELETE" else "NEW")
            plpgsql = _append_return(plpgsql, result)
            fn = self.registry.claim(f"{pg_name}_fn")
            routine.target_sql = (
                f"CREATE OR REPLACE FUNCTION {quote_ident(fn)}() RETURNS trigger\nLANGUAGE plpgsql\nSET search_path FROM CURRENT\n"
                f"AS $transship$\n#variable_conflict use_variable\n{plpgsql}\n$transship$;\n\n"
                f"CREATE TRIGGER {quote_ident(pg_name)} {timing} {event} ON {quote_ident(table)}\n"
                f"FOR EACH ROW EXECUTE FUNCTION {quote_ident(fn)}();"
            )
            if int(trig.get("action_order") or 1) > 1:
                routine.notes.append(
                    "MySQL fires several triggers of one event in ACTION_ORDER; PostgreSQL fires them by name"
                )
        except NotConvertible as exc:
            routine.notes.append(str(exc))
            self.conv.finding(
                "unconverted_object",
                "TRIGGER",
                pg_name,
                str(exc),
                "convert it by hand; the original is kept as a comment in triggers/trigger.sql",
            )
        return routine

    def on_update_trigger(
        self, table: str, cols: list[Column], written: list[Column] | None = None
    ) -> Routine:
        """MySQL's ``ON UPDATE CURRENT_TIMESTAMP`` as a BEFORE UPDATE trigger (value set when the row changed
        and the statement did not set the column itself). "Changed" compares the ``written`` columns (the
        table's non-generated ones): a BEFORE trigger sees generated columns not yet computed, so comparing
        whole rows would call a no-op UPDATE a change, which MySQL does not."""
        fn = self.registry.claim(f"{table}_on_update_fn")
        trg = fit(f"{table}_on_update")
        sets = []
        for c in cols:
            now = (
                "LOCALTIMESTAMP"
                if (c.target_type or "").startswith("timestamp(") or c.target_type == "timestamp"
                else "CURRENT_TIMESTAMP"
            )
            if (c.target_type or "") == "date":
                now = "CURRENT_DATE"
            col = quote_ident(c.name)
            sets.append(
                f"    IF NEW.{col} IS NOT DISTINCT FROM OLD.{col} THEN\n        NEW.{col} := {now};\n    END IF;"
            )
        body = "\n".join(sets)
        if written:
            quoted = [quote_ident(c.name) for c in written]
            new = ", ".join(f"NEW.{n}" for n in quoted)
            old = ", ".join(f"OLD.{n}" for n in quoted)
            # compared as text: json and other types without an equality operator compare too
            changed = f"ROW({new})::text IS DISTINCT FROM ROW({old})::text"
        else:
            changed = "NEW::text IS DISTINCT FROM OLD::text"
        sql = (
            f"CREATE OR REPLACE FUNCTION {quote_ident(fn)}() RETURNS trigger\nLANGUAGE plpgsql\nAS $transship$\nBEGIN\n"
            f"  IF {changed} THEN\n{indent(body, '  ')}\n  END IF;\n  RETURN NEW;\nEND\n$transship$;\n\n"
            f"CREATE TRIGGER {quote_ident(trg)} BEFORE UPDATE ON {quote_ident(table)}\nFOR EACH ROW EXECUTE FUNCTION {quote_ident(fn)}();"
        )
        names = ", ".join(c.name for c in cols)
        return Routine(
            schema=self.db,
            name=trg,
            kind="trigger",
            source_sql=f"ON UPDATE CURRENT_TIMESTAMP on {table}({names})",
            target_sql=sql,
            table=table,
        )


def _strip_typmod(t: str) -> str:
    return re.sub(r"\(.*\)", "", t) if not t.endswith("[]") else t


def _append_return(plpgsql: str, value: str) -> str:
    idx = plpgsql.rstrip().rfind("END")
    return plpgsql[:idx] + f"    RETURN {value};\n" + plpgsql[idx:]
