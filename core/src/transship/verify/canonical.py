"""Canonical text of a value, the same on every engine, so that two databases can hash their rows alike.

A source adapter and the PostgreSQL side agree on a *kind* per column (chosen from the source type and the
type the target column has); each side turns the column into the kind's canonical text with its own SQL.
A row's digest input is the canonical texts joined by ``|``, NULL written as ``~``. Kinds whose text could
hold ``|`` or ``~`` are either prefixed with their length (text) or hashed with md5 first (bytes, JSON), so
the join is unambiguous.

| kind | canonical text |
|---|---|
| ``int`` | decimal integer (``-12``) |
| ``numeric`` | the decimal as stored, with its scale (``12.50``) |
| ``float`` | shortest round-trip digits and exponent: ``<digits>e<exp>`` meaning 0.digits × 10^exp (``15e-6``), ``0`` |
| ``pgfloat`` | PostgreSQL's own float8 text (both sides PostgreSQL) |
| ``bool`` | ``t`` / ``f`` |
| ``bits`` | ``0``/``1`` string of the declared length |
| ``date`` | ``YYYY-MM-DD`` |
| ``timestamp`` | wall-clock ``YYYY-MM-DD HH:MM:SS.ffffff`` (with time zone: in UTC) |
| ``interval`` | ``months:days:microseconds`` (``0:0:-43200500000``) |
| ``text`` | ``<bytes>:<text>`` (its UTF-8 length, then the text) up to 1024 bytes; longer: ``#`` and the md5 of the UTF-8 text |
| ``texthash`` | md5 of the UTF-8 text (sources whose SQL strings are short, e.g. Oracle's 4000 bytes) |
| ``float64`` | the IEEE-754 bits of the value widened to a double, 16 hex digits; ``nan`` |
| ``bytes`` | md5 of the bytes |
| ``json`` | md5 of the JSON as MariaDB's ``JSON_NORMALIZE`` writes it: keys in byte order, no whitespace, numbers ``1.5E0`` |
| ``jsonb`` | md5 of ``jsonb``'s text (both sides PostgreSQL) |
| ``set`` | md5 of the members joined by ``,`` |
| ``point`` | ``float(x),float(y)`` |

"md5" in the table is the digest of the md5 row hash; under another row hash both sides agreed on (see
:data:`ROW_HASHES`), the kinds that hash a value first use that hash's digest instead (:func:`pg_digest`).

The module holds the PostgreSQL SQL of each kind and a Python reference of the non-trivial ones (tests
check every engine's SQL against it).
"""

from __future__ import annotations

import re

from psycopg import sql

KINDS = (
    "int",
    "numeric",
    "float",
    "pgfloat",
    "bool",
    "bits",
    "date",
    "timestamp",
    "interval",
    "text",
    "texthash",
    "float64",
    "bytes",
    "json",
    "jsonb",
    "set",
    "point",
)
NULL_MARK = "~"
SEPARATOR = "|"
HASH_HEX = 15  # 60 bits of md5: the sum of a row hash per row fits signed 64-bit arithmetic on every engine
#: text up to this many UTF-8 bytes goes into the row's digest input as is (after its length): an md5 per
#: value costs about a microsecond on MariaDB and PostgreSQL, as much as the rest of a row; longer text is
#: hashed first, so a row's digest input stays small
TEXT_INLINE_BYTES = 1024


def text_reference(value: str) -> str:
    """The ``text`` kind's canonical text of a string."""
    import hashlib

    data = value.encode()
    if len(data) <= TEXT_INLINE_BYTES:
        return f"{len(data)}:{value}"
    return "#" + hashlib.md5(data).hexdigest()  # noqa: S324 - a checksum


def pg_digest(
    value: sql.Composable, utf8: bool = True, algorithm: str = "md5", is_bytes: bool = False
) -> sql.Composable:
    """PostgreSQL: the hex digest of one value (text as UTF-8, or ``is_bytes``) inside a row's digest input.

    The kinds that hash a value first (long text, bytes, JSON, SET) use the row hash both sides agreed on
    (``md5`` in the table above, the Python references): sha256 costs MariaDB a tenth of md5, and
    ``pg-hashtextextended`` (PostgreSQL on both sides, UTF-8) saves PostgreSQL an md5 per value (it takes
    text only: the ``bytes`` kind stays on md5 there).
    """
    if algorithm == "pg-hashtextextended":
        if is_bytes:
            raise ValueError("pg-hashtextextended hashes text, not bytes")
        return sql.SQL("hashtextextended({}, 0)::text").format(value)
    data = value if is_bytes else sql.SQL("convert_to({}, 'UTF8')").format(value)
    if algorithm == "sha256":
        return sql.SQL("encode(sha256({}), 'hex')").format(data)
    return sql.SQL("md5({})").format(value if is_bytes or utf8 else data)


def _pg_text(text: sql.Composable, utf8: bool = True, algorithm: str = "md5") -> sql.Composable:
    """PostgreSQL: :func:`text_reference` of a text expression (``utf8``: the database's encoding is UTF8)."""
    size = sql.SQL("octet_length({})" if utf8 else "octet_length(convert_to({}, 'UTF8'))").format(text)
    digest = pg_digest(text, utf8, algorithm)
    return sql.SQL("CASE WHEN {s} <= {n} THEN {s} || ':' || {t} ELSE '#' || {d} END").format(
        s=size, t=text, d=digest, n=sql.Literal(TEXT_INLINE_BYTES)
    )


def float_reference(text: str) -> str:
    """The ``float`` kind's canonical text of a float's decimal text (any engine's output format)."""
    s = text.strip().lower()
    if s in ("nan", "infinity", "-infinity", "inf", "-inf"):
        return s.replace("infinity", "inf")
    neg = s.startswith("-")
    s = s.lstrip("+-")
    mantissa, _, exp = s.partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    stripped = digits.lstrip("0")
    exponent = int(exp or 0) + len(whole) - (len(digits) - len(stripped))
    stripped = stripped.rstrip("0")
    if not stripped:
        return "-0" if neg else "0"  # the sign of zero is a bit of the value
    return f"{'-' if neg else ''}{stripped}e{exponent}"


def interval_reference(text: str) -> str:
    """The ``interval`` kind of a ``[-]H:MM:SS[.ffffff]`` duration: ``months:days:microseconds``."""
    m = re.fullmatch(r"(-?)(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?", text.strip())
    if not m:
        raise ValueError(f"not a duration: {text!r}")
    sign, h, mi, se, frac = m.groups()
    micros = ((int(h) * 60 + int(mi)) * 60 + int(se)) * 1_000_000 + int((frac or "").ljust(6, "0"))
    return f"0:0:{'-' if sign and micros else ''}{micros}"


def _float_sql(text: sql.Composable) -> sql.Composable:
    """PostgreSQL: :func:`float_reference` of a float's text."""
    # the parts of [-]W.FeX, each named once in a LATERAL-free expression (the text is cheap to recompute)
    s = sql.SQL("lower({})").format(text)
    a = sql.SQL("ltrim({}, '-')").format(s)
    m = sql.SQL("split_part({}, 'e', 1)").format(a)
    x = sql.SQL("coalesce(nullif(split_part({}, 'e', 2), '')::int, 0)").format(a)
    whole = sql.SQL("split_part({}, '.', 1)").format(m)
    digits = sql.SQL("({} || split_part({}, '.', 2))").format(whole, m)
    trimmed = sql.SQL("ltrim({}, '0')").format(digits)
    return sql.SQL(
        "CASE WHEN {s} IN ('nan', 'infinity', '-infinity') THEN replace({s}, 'infinity', 'inf') "
        "WHEN rtrim({t}, '0') = '' THEN CASE WHEN left({s}, 1) = '-' THEN '-0' ELSE '0' END "
        "ELSE CASE WHEN left({s}, 1) = '-' THEN '-' ELSE '' END || rtrim({t}, '0') || 'e' || "
        "({x} + length({w}) - (length({d}) - length({t})))::text END"
    ).format(s=s, t=trimmed, x=x, w=whole, d=digits)


# float: each part of the text computed once (plpgsql), in a session-local function (pg_temp). PostgreSQL's
# shortest form misses a few boundary doubles (1e23 prints as 9.999999999999999e+22, MariaDB and Python print
# 1e23): where its text has 16 or more digits, a 15- or 16-digit form that reads back as the same double is
# taken instead.
PG_FLOAT_FUNCTION = r"""
CREATE OR REPLACE FUNCTION pg_temp.transship_float(v float8) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$
DECLARE
  t text := lower(v::text);
  s text := t;
  c text;
  d text;
  f text;
  e int;
  neg boolean := left(t, 1) = '-';
BEGIN
  IF t IN ('nan', 'infinity', '-infinity') THEN
    RETURN replace(t, 'infinity', 'inf');
  END IF;
  d := rtrim(ltrim(translate(split_part(t, 'e', 1), '-.', ''), '0'), '0');
  IF length(d) >= 16 AND abs(v) < 1.79769313486e308 THEN
    c := lower(btrim(to_char(v, '9.99999999999999EEEE')));
    IF c::float8 <> v THEN
      c := lower(btrim(to_char(v, '9.999999999999999EEEE')));
    END IF;
    IF c::float8 = v THEN
      s := c;
      d := rtrim(ltrim(translate(split_part(s, 'e', 1), '-.', ''), '0'), '0');
    END IF;
  END IF;
  IF d = '' THEN
    RETURN CASE WHEN neg THEN '-0' ELSE '0' END;
  END IF;
  IF strpos(s, 'e') > 0 THEN
    e := split_part(s, 'e', 2)::int + 1;
  ELSIF abs(v) < 1 THEN
    f := split_part(s, '.', 2);
    e := length(ltrim(f, '0')) - length(f);
  ELSE
    e := strpos(s || '.', '.') - 1 - CASE WHEN neg THEN 1 ELSE 0 END;
  END IF;
  RETURN CASE WHEN neg THEN '-' ELSE '' END || d || 'e' || e;
END
$fn$
"""


def _float8_sql(v: sql.Composable) -> sql.Composable:
    """PostgreSQL: :func:`float_reference` of a float8 value (needs :data:`PG_FLOAT_FUNCTION` in the session)."""
    return sql.SQL("pg_temp.transship_float(({})::float8)").format(v)


def pg_piece(
    kind: str, col: sql.Composable, pg_type: str, utf8: bool = True, digest: str = "md5"
) -> sql.Composable:
    """PostgreSQL's canonical text of column ``col`` (of type ``pg_type``, as ``format_type`` names it) as ``kind``
    (``utf8``: the database's encoding is UTF8; text is measured and hashed as UTF-8 either way; ``digest``:
    the row hash both sides use, for the values hashed first, see :func:`pg_digest`)."""
    t = pg_type.lower()
    inner: sql.Composable
    if kind == "int":
        inner = sql.SQL("{}::text").format(col)
    elif kind == "numeric":
        inner = sql.SQL("{}::numeric::text").format(col)
    elif kind == "float":
        inner = _float8_sql(col)
    elif kind == "pgfloat":  # PostgreSQL on both sides: its own (exact, shortest) text
        inner = sql.SQL("{}::float8::text").format(col)
    elif kind == "bool":
        inner = sql.SQL("CASE WHEN {c} THEN 't' WHEN NOT {c} THEN 'f' END").format(c=col)  # NULL stays NULL
    elif kind == "bits":
        inner = sql.SQL("{}::text").format(col)
    elif kind == "date":  # ISO text: YYYY-MM-DD, with " BC" before year 1, and infinity
        inner = sql.SQL("{}::date::text").format(col)
    elif kind == "timestamp":
        inner = sql.SQL(
            "CASE WHEN isfinite({c}) THEN to_char({c}, 'YYYY-MM-DD HH24:MI:SS.US') || "
            "CASE WHEN {c} < {ad} THEN ' BC' ELSE '' END ELSE {c}::text END"
        ).format(
            c=col,
            ad=sql.SQL("'0001-01-01 00:00:00+00'::timestamptz" if "zone" in t else "'0001-01-01'::timestamp"),
        )
    elif kind == "interval":  # months, days and time apart: '1 mon' is not '30 days'
        inner = sql.SQL(
            "(extract(year FROM {c}) * 12 + extract(month FROM {c}))::bigint || ':' || extract(day FROM {c})::bigint"
            " || ':' || (extract(hour FROM {c}) * 3600000000 + extract(minute FROM {c}) * 60000000"
            " + extract(microseconds FROM {c}))::bigint"
        ).format(c=col)
    elif kind == "texthash":
        inner = pg_digest(sql.SQL("{}::text").format(col), utf8, digest)
    elif kind == "float64":
        inner = sql.SQL(
            "CASE WHEN {c}::float8 = 'NaN' THEN 'nan' ELSE encode(float8send({c}::float8), 'hex') END"
        ).format(c=col)
    elif kind == "bytes":  # bytea and text alike (hashtextextended takes text only: md5 then)
        bytes_digest = "md5" if digest == "pg-hashtextextended" else digest
        inner = (
            pg_digest(col, utf8, bytes_digest, is_bytes=True)
            if t == "bytea"
            else pg_digest(sql.SQL("{}::text").format(col), utf8, bytes_digest)
        )
    elif kind == "json":
        inner = pg_digest(sql.SQL("pg_temp.transship_json({}::json)").format(col), utf8, digest)
    elif kind == "jsonb":  # PostgreSQL on both sides: jsonb's own normal form
        inner = pg_digest(sql.SQL("{}::jsonb::text").format(col), utf8, digest)
    elif kind == "set":
        inner = pg_digest(
            sql.SQL("array_to_string({}, ',')").format(col)
            if t.endswith("[]")
            else sql.SQL("{}::text").format(col),
            utf8,
            digest,
        )
    elif kind == "point":
        inner = sql.SQL("{} || ',' || {}").format(
            _float8_sql(sql.SQL("({})[0]").format(col)), _float8_sql(sql.SQL("({})[1]").format(col))
        )
    elif t in ("inet", "cidr"):  # the output form ('::1'), not text(inet) ('::1/128')
        inner = sql.SQL("CASE WHEN {c} IS NOT NULL THEN {t} END").format(
            c=col, t=_pg_text(sql.SQL("concat({})").format(col), utf8, digest)
        )
    else:  # text and anything else: the text PostgreSQL prints
        inner = _pg_text(sql.SQL("{}::text").format(col), utf8, digest)
    return sql.SQL("coalesce({}, {})").format(inner, sql.Literal(NULL_MARK))


# json: the form MariaDB's JSON_NORMALIZE gives — keys in byte order (duplicates kept), no whitespace, each number
# as <d>.<ddd>E<exp> with the digits written (not a float), strings as written. Built over ``json`` (not jsonb),
# which keeps the text of strings and numbers. A session-local function (pg_temp): nothing is created in the
# user's schemas.
PG_JSON_FUNCTION = r"""
CREATE OR REPLACE FUNCTION pg_temp.transship_json(j json) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  t text := json_typeof(j);
  out text;
BEGIN
  IF t = 'object' THEN
    SELECT '{' || coalesce(string_agg(to_json(k)::text || ':' || pg_temp.transship_json(v), ','
                                      ORDER BY convert_to(k, 'UTF8'), n), '') || '}'
      INTO out FROM json_each(j) WITH ORDINALITY AS e(k, v, n);
    RETURN out;
  ELSIF t = 'array' THEN
    SELECT '[' || coalesce(string_agg(pg_temp.transship_json(v), ',' ORDER BY n), '') || ']'
      INTO out FROM json_array_elements(j) WITH ORDINALITY AS a(v, n);
    RETURN out;
  ELSIF t = 'number' THEN
    RETURN %s;
  ELSE
    RETURN btrim(j::text);
  END IF;
END
$fn$
"""


def json_number_reference(text: str) -> str:
    """A JSON number as JSON_NORMALIZE writes it: ``1.0E0``, ``-2.5E0``, ``1.23E20``, ``0.0E0``."""
    canon = float_reference(text)
    if canon in ("0", "-0"):  # JSON_NORMALIZE writes no negative zero
        return "0.0E0"
    neg = canon.startswith("-")
    digits, _, exp = canon.lstrip("-").partition("e")
    return f"{'-' if neg else ''}{digits[0]}.{digits[1:] or '0'}E{int(exp) - 1}"


def _json_number_sql(text: sql.Composable) -> sql.Composable:
    canon = _float_sql(text)
    return sql.SQL(
        "(SELECT CASE WHEN c IN ('0', '-0') THEN '0.0E0' ELSE "
        "CASE WHEN left(c, 1) = '-' THEN '-' ELSE '' END || left(ltrim(c, '-'), 1) || '.' || "
        "coalesce(nullif(substr(split_part(ltrim(c, '-'), 'e', 1), 2), ''), '0') || 'E' || "
        "(split_part(c, 'e', 2)::int - 1)::text END FROM (SELECT {} AS c) AS n)"
    ).format(canon)


def pg_json_function() -> str:
    """The ``pg_temp.transship_json`` definition (run once per session before json pieces are used)."""
    return PG_JSON_FUNCTION % _json_number_sql(sql.SQL("btrim(j::text)")).as_string(None)


class _Obj(list):
    """A JSON object as its (key, value) pairs in document order (duplicates kept)."""


class _Num(str):
    """A JSON number as written."""


def json_reference(document: str) -> str:
    """Python reference of the json kind's text (before md5) of a JSON document's text."""
    import json

    def walk(value: object) -> str:
        if isinstance(value, _Obj):
            items = sorted(value, key=lambda kv: kv[0].encode())  # stable: duplicates keep their order
            return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + walk(v) for k, v in items) + "}"
        if isinstance(value, _Num):
            return json_number_reference(value)
        if isinstance(value, list):
            return "[" + ",".join(walk(v) for v in value) + "]"
        if isinstance(value, bool) or value is None:
            return json.dumps(value)
        return json.dumps(value, ensure_ascii=False)

    return walk(
        json.loads(document, object_pairs_hook=_Obj, parse_float=_Num, parse_int=_Num, parse_constant=_Num)
    )


def row_expression(pieces: list[sql.Composable]) -> sql.Composable:
    """PostgreSQL: the row's digest input (the canonical pieces joined by ``|``)."""
    if not pieces:
        return sql.Literal("")
    return sql.SQL("concat_ws({}, {})").format(sql.Literal(SEPARATOR), sql.SQL(", ").join(pieces))


# Row hashes, fastest first. Both sides of a table must compute the same one: ``md5`` every reader does; the
# others are used where both sides' readers offer them and hash PROBE_TEXT alike (see content.agree_row_hash).
# Measured per 2 M rows: md5 costs about 3.5 s on MariaDB (OpenSSL per call) and 3.7 s on PostgreSQL; sha256
# 0.4 s on MariaDB, as much as md5 on PostgreSQL; hashtextextended (PostgreSQL on both sides) nearly nothing.
ROW_HASHES = ("pg-hashtextextended", "sha256", "md5")
PROBE_TEXT = (
    "transship|row-hash probe|~|caf\u00e9 \u00df\u00fc|0123456789|x"  # Latin-1 letters: LATIN1 databases too
)
HASH_MASK = (1 << (4 * HASH_HEX)) - 1  # the 60 bits every row hash keeps
#: environment variable: a comma list of the row hashes verify may use (``md5`` is always allowed), to pin
#: one (to compare runs) or to keep off one a server computes differently in a way the probe does not catch
ROW_HASHES_ENV = "TRANSSHIP_VERIFY_ROW_HASHES"


def allowed_row_hashes(setting: str | None = None) -> tuple[str, ...]:
    """The row hashes verify may use, fastest first: :data:`ROW_HASHES` limited by ``setting`` (default: the
    :data:`ROW_HASHES_ENV` environment variable; empty or unset: all). Unknown names raise ConfigError."""
    import os

    from transship.errors import ConfigError

    text = os.environ.get(ROW_HASHES_ENV, "") if setting is None else setting
    names = {n.strip() for n in text.split(",") if n.strip()}
    unknown = sorted(names - set(ROW_HASHES))
    if unknown:
        raise ConfigError(
            f"{ROW_HASHES_ENV} names unknown row hash(es) {', '.join(unknown)}: use any of {', '.join(ROW_HASHES)}"
        )
    return tuple(h for h in ROW_HASHES if not names or h in names or h == "md5")


def pg_hash(text: sql.Composable, utf8: bool = True, algorithm: str = "md5") -> sql.Composable:
    """PostgreSQL: a row's 60-bit hash as bigint (of the UTF-8 bytes of ``text``) with one of
    :data:`ROW_HASHES` (``pg-hashtextextended`` hashes the database's bytes: use it on UTF-8 databases only)."""
    if algorithm == "pg-hashtextextended":
        return sql.SQL("(hashtextextended({}, 0) & {})").format(text, sql.Literal(HASH_MASK))
    if algorithm == "sha256":
        return sql.SQL(
            "('x' || left(encode(sha256(convert_to({}, 'UTF8')), 'hex'), {}))::bit(60)::bigint"
        ).format(text, sql.Literal(HASH_HEX))
    if algorithm != "md5":
        raise ValueError(f"unknown row hash {algorithm!r}")
    data = text if utf8 else sql.SQL("convert_to({}, 'UTF8')").format(text)
    return sql.SQL("('x' || left(md5({}), {}))::bit(60)::bigint").format(data, sql.Literal(HASH_HEX))
