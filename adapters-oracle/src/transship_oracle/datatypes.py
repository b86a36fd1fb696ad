"""Parse Oracle data type texts (``NUMBER(8,2)``, ``TIMESTAMP(6) WITH LOCAL TIME ZONE``, ``VARCHAR2(20 CHAR)`` ...).

Both modes end up here: script mode parses the type written in ``CREATE TABLE``, live mode rebuilds the
text from ``ALL_TAB_COLUMNS`` (``DATA_TYPE``, ``DATA_LENGTH``, ``CHAR_LENGTH``, ``DATA_PRECISION``,
``DATA_SCALE``). The result is a normalised description that the type rules match on.
"""

from __future__ import annotations

from dataclasses import dataclass

from transship_oracle.tokens import ScriptSyntaxError, Token, tokenize


@dataclass
class OracleType:
    """A parsed Oracle type. ``base`` is lower case with single spaces (``timestamp with time zone``)."""

    raw: str
    base: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    star_precision: bool = False  # NUMBER(*,s)
    fraction: int | None = None  # INTERVAL DAY TO SECOND(n)
    char_semantics: bool = False
    owner: str | None = None  # schema of a user-defined type

    @property
    def typemod(self) -> str | None:
        """The modifier text as written, e.g. ``8,2`` (None when absent)."""
        if "(" not in self.raw:
            return None
        return self.raw[self.raw.index("(") + 1 : self.raw.rindex(")")].strip()


_MULTI = {
    ("DOUBLE", "PRECISION"): "double precision",
    ("LONG", "RAW"): "long raw",
    ("CHAR", "VARYING"): "varchar",
    ("CHARACTER", "VARYING"): "varchar",
    ("NCHAR", "VARYING"): "nvarchar2",
    ("NATIONAL", "CHARACTER"): "nchar",
    ("NATIONAL", "CHAR"): "nchar",
}
_ALIASES = {"character": "char", "dec": "decimal", "int": "integer", "string": "varchar2"}


def parse_type_tokens(tokens: list[Token], i: int, text: str) -> tuple[OracleType, int]:
    """Parse a type starting at ``tokens[i]``; return it and the index of the first token after it."""
    start = i
    if i >= len(tokens) or tokens[i].kind not in ("word", "qident"):
        raise ScriptSyntaxError(
            f"expected a data type at: {text[tokens[i].start : tokens[i].start + 40] if i < len(tokens) else 'end'}"
        )
    first = tokens[i].upper
    owner = None
    i += 1
    base = first.lower()
    if i + 1 < len(tokens) and tokens[i].is_op(".") and tokens[i + 1].kind in ("word", "qident"):
        owner = first if tokens[start].kind == "word" else tokens[start].value
        base = (tokens[i + 1].upper if tokens[i + 1].kind == "word" else tokens[i + 1].value).lower()
        i += 2
    elif i < len(tokens) and tokens[i].kind == "word" and (first, tokens[i].upper) in _MULTI:
        base = _MULTI[(first, tokens[i].upper)]
        i += 1
        if base == "nchar" and i < len(tokens) and tokens[i].is_word("VARYING"):
            base = "nvarchar2"
            i += 1
    base = _ALIASES.get(base, base)
    t = OracleType(raw="", base=base, owner=owner)
    if base == "interval":
        # INTERVAL YEAR[(p)] TO MONTH | INTERVAL DAY[(p)] TO SECOND[(s)]
        unit = tokens[i].upper if i < len(tokens) else ""
        i += 1
        if i < len(tokens) and tokens[i].is_op("("):
            t.precision = int(tokens[i + 1].text)
            i += 3
        if i < len(tokens) and tokens[i].is_word("TO"):
            end_unit = tokens[i + 1].upper
            i += 2
            if i < len(tokens) and tokens[i].is_op("("):
                t.fraction = int(tokens[i + 1].text)
                i += 3
            t.base = f"interval {unit.lower()} to {end_unit.lower()}"
        t.raw = text[tokens[start].start : tokens[i - 1].end]
        return t, i
    if i < len(tokens) and tokens[i].is_op("("):
        j = i + 1
        args: list[str] = []
        while j < len(tokens) and not tokens[j].is_op(")"):
            tok = tokens[j]
            if tok.kind == "number" or tok.is_op("*", "-"):
                if tok.is_op("-"):
                    args.append("-" + tokens[j + 1].text)
                    j += 2
                    continue
                args.append(tok.text)
            elif tok.is_word("CHAR"):
                t.char_semantics = True
            j += 1
        i = j + 1
        if base in ("number", "decimal", "numeric", "float"):
            if args and args[0] == "*":
                t.star_precision = True
            elif args:
                t.precision = int(args[0])
            if len(args) > 1:
                t.scale = int(args[1])
            elif base in ("decimal", "numeric") and args:
                t.scale = 0
        elif base.startswith("timestamp"):
            t.precision = int(args[0]) if args else None
        else:
            t.length = int(args[0]) if args else None
    if base == "timestamp":
        if i < len(tokens) and tokens[i].is_word("WITH"):
            if tokens[i + 1].is_word("LOCAL"):
                t.base = "timestamp with local time zone"
                i += 4
            else:
                t.base = "timestamp with time zone"
                i += 3
        elif i < len(tokens) and tokens[i].is_word("WITHOUT"):
            i += 3
    t.raw = text[tokens[start].start : tokens[i - 1].end]
    return t, i


def parse_type(text: str) -> OracleType:
    """Parse a whole type text such as ``NUMBER(8,2)``."""
    tokens = tokenize(text)
    t, i = parse_type_tokens(tokens, 0, text)
    if i != len(tokens):
        raise ScriptSyntaxError(f"unexpected text after data type {t.raw!r}: {text[tokens[i].start :]!r}")
    return t


def type_from_dictionary(
    data_type: str,
    data_length: int | None,
    char_length: int | None,
    precision: int | None,
    scale: int | None,
    char_used: str | None = None,
    owner: str | None = None,
) -> OracleType:
    """Build the type of an ``ALL_TAB_COLUMNS`` row.

    Oracle reports ``INTEGER`` as ``NUMBER`` with ``DATA_PRECISION`` NULL and ``DATA_SCALE`` 0, ``FLOAT(b)``
    with its binary precision, and ``TIMESTAMP(6) WITH TIME ZONE`` with the fraction in the type name.
    """
    dt = data_type.strip()
    upper = dt.upper()
    if upper.startswith(("TIMESTAMP", "INTERVAL")):
        return parse_type(dt)
    if upper == "NUMBER":
        if precision is None and scale is None:
            return OracleType("NUMBER", "number")
        if precision is None:
            return OracleType(
                f"NUMBER(*,{scale})", "number", precision=None, scale=scale, star_precision=True
            )
        return OracleType(
            f"NUMBER({precision},{scale or 0})", "number", precision=precision, scale=scale or 0
        )
    if upper == "FLOAT":
        return OracleType(f"FLOAT({precision})" if precision else "FLOAT", "float", precision=precision)
    if upper in ("VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR", "VARCHAR"):
        semantics_char = (char_used or "B").upper() == "C" or upper.startswith("N")
        length = char_length if semantics_char and char_length else data_length
        suffix = " CHAR" if (char_used or "").upper() == "C" and not upper.startswith("N") else ""
        return OracleType(
            f"{upper}({length}{suffix})", upper.lower(), length=length, char_semantics=semantics_char
        )
    if upper in ("RAW", "UROWID"):
        return OracleType(f"{upper}({data_length})", upper.lower(), length=data_length)
    base = " ".join(upper.lower().split())
    return OracleType(
        upper if not owner or owner in ("SYS", "PUBLIC") else f"{owner}.{upper}", base, owner=owner
    )
