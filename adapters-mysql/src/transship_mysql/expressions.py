"""MySQL SQL expressions and queries -> PostgreSQL, through sqlglot, refusing what would change meaning.

Conversion is done on sqlglot's syntax tree with ``unsupported_level=RAISE``. On top of sqlglot:

- the source database qualifier is removed (objects are created unqualified in the target schema);
- identifiers are folded to lower case, like the tables and columns the adapter creates;
- charset introducers (``_utf8mb4'x'``) are dropped;
- ``LENGTH`` (bytes in MySQL) becomes ``octet_length``; ``LIKE``/``REGEXP`` become ``ILIKE``/``~*``
  (MySQL's default collations compare case-insensitively); ``TO_DAYS`` is rewritten exactly;
- in a grouped query, a column that is neither grouped nor functionally dependent on a grouped
  primary key is wrapped in ``(array_agg(x))[1]`` (MySQL returns "any value of the group" there).

Anything sqlglot keeps as an unknown function, or MySQL-only types in casts, make the conversion fail
with :class:`NotConvertible` naming the construct, so the object is reported instead of broken.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from transship.sdk import quote_ident


class NotConvertible(Exception):
    """The expression uses something that has no faithful PostgreSQL form."""


_INTRODUCER = re.compile(r"\b_(?:utf8mb3|utf8mb4|utf8|latin1|ascii|ucs2|utf16|utf32|cp1252)\s*(?=')", re.I)
# Functions sqlglot does not know but PostgreSQL has with the same meaning.
_SAME_IN_PG = {
    "now",
    "octet_length",
    "md5",
    "sha1",
    "transship_to_days",
    "lpad",
    "rpad",
    "reverse",
    "repeat",
    "ascii",
    "pi",
}
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\(")
_STRINGS = re.compile(r"'(?:[^']|'')*'")
# Function (and type) names sqlglot's PostgreSQL output may call that exist in PostgreSQL with the meaning
# sqlglot gave them. A call of anything else means sqlglot passed a MySQL function through unchanged.
PG_FUNCTIONS = frozenset(
    """
    abs acos array_agg array_length array_to_string ascii asin atan atan2 avg bit_length bool_and bool_or btrim
    cardinality cast cbrt ceil ceiling char char_length character_length chr coalesce concat concat_ws cos cot count
    current_date current_time current_timestamp date_part date_trunc decimal degrees div exp extract floor
    format gen_random_uuid generate_series greatest initcap interval json_build_object json_extract_path
    json_extract_path_text jsonb_extract_path_text lag lead least left length ln localtimestamp log lower lpad ltrim
    make_date make_interval max md5 min mod now nullif numeric octet_length overlay pi position power radians random
    regexp_replace regexp_match regexp_matches repeat replace reverse right round row_number rank dense_rank rpad
    rtrim sign sin split_part sqrt stddev string_agg strpos substr substring sum tan timestamp to_char to_date
    to_number to_timestamp translate trim trunc upper varchar variance first_value last_value ntile percent_rank
    cume_dist nth_value bit_and bit_or every exists coalesce time date bool
""".split()
)
_BAD_TYPES = re.compile(
    r"\b(UBIGINT|UINT|USMALLINT|UTINYINT|UMEDIUMINT|MEDIUMINT|TINYINT|DATETIME|LONGTEXT|MEDIUMTEXT|TINYTEXT)\b"
)


def strip_introducers(sql: str) -> str:
    """Drop charset introducers such as ``_utf8mb4`` before a string literal."""
    return _INTRODUCER.sub("", sql)


def _pg_ident(name: str) -> exp.Identifier:
    low = name.lower()
    return exp.Identifier(this=low, quoted=quote_ident(low) != low)


class Converter:
    """Converts expressions and queries of one source database.

    :param database: the source database name (its qualifier is dropped).
    :param table_name: maps a source table name to the target table name.
    :param primary_keys: target table name -> its primary-key column names (for GROUP BY checks).
    """

    def __init__(
        self,
        database: str,
        table_name: Callable[[str], str] = str.lower,
        primary_keys: dict[str, list[str]] | None = None,
        boolean_columns: set[str] | None = None,
    ) -> None:
        self.database = database
        self.table_name = table_name
        self.primary_keys = primary_keys if primary_keys is not None else {}
        self.boolean_columns = boolean_columns if boolean_columns is not None else set()

    # -- public API -------------------------------------------------------------------------------
    def expression(self, sql: str) -> str:
        """Convert a scalar expression (default, CHECK, generated column, index expression)."""
        tree = self._parse(sql, into=exp.Expression)
        return self._generate(self._rewrite(tree))

    def query(self, sql: str) -> tuple[str, list[str]]:
        """Convert a SELECT (view body); returns the SQL and review notes."""
        tree = self._parse(sql)
        notes: list[str] = []
        tree = self._rewrite(tree)
        notes += self._fix_distinct_order(tree)
        for select in list(tree.find_all(exp.Select)):
            notes += self._fix_grouping(select)
        return self._generate(tree), notes

    def statement(self, sql: str) -> str:
        """Convert a DML statement (INSERT/UPDATE/DELETE/SELECT) used inside a routine body."""
        return self._generate(self._rewrite(self._parse(sql)))

    # -- internals --------------------------------------------------------------------------------
    def _parse(self, sql: str, into: type[exp.Expr] | None = None) -> exp.Expr:
        text = strip_introducers(sql)
        text = re.sub(r"\bto_days\s*\(", "transship_to_days(", text, flags=re.I)
        try:
            tree = sqlglot.parse_one(text, read="mysql", error_level=ErrorLevel.RAISE)
        except SqlglotError as exc:
            raise NotConvertible(f"cannot parse: {str(exc).splitlines()[0]}") from None
        if isinstance(tree, exp.Command):
            raise NotConvertible(f"statement not understood: {text.strip()[:60]}")
        return tree

    def _generate(self, tree: exp.Expr) -> str:
        try:
            out = tree.sql(dialect="postgres", unsupported_level=ErrorLevel.RAISE)
        except SqlglotError as exc:
            raise NotConvertible(str(exc).splitlines()[0]) from None
        bad = _BAD_TYPES.search(out)
        if bad:
            raise NotConvertible(f"MySQL-only type {bad.group(1)} has no PostgreSQL equivalent here")
        for name in _CALL.findall(_STRINGS.sub("''", out)):
            if name.lower() not in PG_FUNCTIONS:
                raise NotConvertible(f"function {name.upper()}() has no known PostgreSQL equivalent")
        return out

    def _rewrite(self, tree: exp.Expr) -> exp.Expr:
        db = self.database.lower()
        for call in list(tree.find_all(exp.Anonymous)):
            name = str(call.this).lower()
            if name == "transship_to_days":
                arg = call.expressions[0]
                call.replace(
                    exp.paren(
                        exp.Add(
                            this=exp.Sub(
                                this=exp.cast(arg, "date"),
                                expression=exp.cast(exp.Literal.string("0001-01-01"), "date"),
                            ),
                            expression=exp.Literal.number(366),
                        )
                    )
                )
            elif name not in _SAME_IN_PG:
                raise NotConvertible(f"function {name.upper()}() has no known PostgreSQL equivalent")
        for length in list(tree.find_all(exp.Length)):
            if length.args.get("binary"):
                length.replace(exp.Anonymous(this="octet_length", expressions=[length.this]))
        for like in list(tree.find_all(exp.Like)):
            like.replace(exp.ILike(this=like.this, expression=like.expression))
        for regexp in list(tree.find_all(exp.RegexpLike)):
            regexp.replace(exp.RegexpILike(this=regexp.this, expression=regexp.expression))
        for table in list(tree.find_all(exp.Table)):
            if table.args.get("db") is not None and table.db.lower() == db:
                table.set("db", None)
            if isinstance(table.this, exp.Identifier):
                table.set("this", _pg_ident(self.table_name(table.this.this)))
        for column in list(tree.find_all(exp.Column)):
            if column.args.get("db") is not None and column.db.lower() == db:
                column.set("db", None)
            if isinstance(column.args.get("table"), exp.Identifier):
                column.set("table", _pg_ident(column.args["table"].this))
            if isinstance(column.this, exp.Identifier):
                column.set("this", _pg_ident(column.this.this))
        for cmp in list(tree.find_all(exp.EQ, exp.NEQ)):
            # tinyint(1) columns became boolean: `active = 1` must compare with true
            for col, lit in ((cmp.this, cmp.expression), (cmp.expression, cmp.this)):
                if (
                    isinstance(col, exp.Column)
                    and col.name in self.boolean_columns
                    and isinstance(lit, exp.Literal)
                    and not lit.is_string
                    and lit.this in ("0", "1")
                ):
                    lit.replace(exp.Boolean(this=lit.this == "1"))
        for table_alias in list(tree.find_all(exp.TableAlias)):
            if isinstance(table_alias.this, exp.Identifier):
                table_alias.set("this", _pg_ident(table_alias.this.this))
        for alias_node in list(tree.find_all(exp.Alias)):
            alias = alias_node.args.get("alias")
            if isinstance(alias, exp.Identifier):
                alias_node.set("alias", _pg_ident(alias.this))
        return tree

    def _fix_distinct_order(self, tree: exp.Expr) -> list[str]:
        """``GROUP_CONCAT(DISTINCT CONCAT(k, ...) ORDER BY k)``: PostgreSQL needs the ORDER BY to be the argument.

        Ordering by the whole value refines ordering by its leading part ``k``, so this is kept (with a
        review note); any other DISTINCT + ORDER BY combination is refused.
        """
        notes = []
        for node in list(tree.find_all(exp.GroupConcat)):
            order = node.this
            if not (isinstance(order, exp.Order) and isinstance(order.this, exp.Distinct)):
                continue
            args = order.this.expressions
            keys = [o.this for o in order.expressions]
            if len(args) == 1 and [k.sql() for k in keys] == [a.sql() for a in args]:
                continue
            arg = args[0] if len(args) == 1 else None
            lead = arg.expressions[0] if isinstance(arg, exp.Concat) and arg.expressions else None
            if (
                arg is None
                or len(keys) != 1
                or lead is None
                or lead.sql() != keys[0].sql()
                or order.expressions[0].args.get("desc")
            ):
                raise NotConvertible(
                    "GROUP_CONCAT(DISTINCT ... ORDER BY ...) ordered by something other than its value"
                )
            order.set("expressions", [exp.Ordered(this=arg.copy(), nulls_first=True)])
            notes.append(
                f"GROUP_CONCAT(DISTINCT ... ORDER BY {keys[0].sql()}) now orders by the whole value (same order unless values tie on {keys[0].sql()})"
            )
        return notes

    def _fix_grouping(self, select: exp.Select) -> list[str]:
        group = select.args.get("group")
        if not group:
            return []
        grouped = {g.sql() for g in group.expressions}
        grouped_cols = {
            (c.table, c.name) for g in group.expressions for c in [g] if isinstance(c, exp.Column)
        }
        aliases: dict[str, str] = {}
        from_ = select.args.get("from_") or select.args.get("from")
        tables = list(from_.find_all(exp.Table)) if from_ else []
        for join in select.args.get("joins") or []:
            tables += list(join.find_all(exp.Table))
        for t in tables:
            aliases[t.alias_or_name] = t.name
        select_aliases = {e.alias for e in select.expressions if isinstance(e, exp.Alias)}

        def dependent(col: exp.Column) -> bool:
            if (col.table, col.name) in grouped_cols or col.sql() in grouped:
                return True
            if not col.table and col.name in select_aliases:
                return True
            table = aliases.get(col.table) if col.table else None
            if table is None:
                return False
            pk = self.primary_keys.get(table)
            if not pk:
                return False
            return all((col.table, k) in grouped_cols for k in pk)

        wrapped: list[str] = []
        targets = list(select.expressions)
        order = select.args.get("order")
        if order:
            targets += [o for o in order.expressions]
        having = select.args.get("having")
        if having:
            targets.append(having)
        for target in targets:
            for col in list(target.find_all(exp.Column)):
                if col.find_ancestor(exp.AggFunc, exp.Subquery, exp.Select) not in (None, select):
                    continue
                if col.find_ancestor(exp.AggFunc) is not None:
                    continue
                if not dependent(col):
                    text = col.sql(dialect="postgres")
                    col.replace(
                        exp.Bracket(
                            this=exp.paren(exp.ArrayAgg(this=col.copy())),
                            expressions=[exp.Literal.number(1)],
                            offset=1,
                        )
                    )
                    wrapped.append(text)
        if wrapped:
            return [
                "columns neither grouped nor dependent on a grouped primary key take any value of the group in MySQL; "
                f"converted with (array_agg(x))[1]: {', '.join(sorted(set(wrapped)))}"
            ]
        return []
