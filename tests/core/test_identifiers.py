"""Identifier quoting and --table-list patterns."""

from __future__ import annotations

from transship.identifiers import parse_table_list, qualified, quote_ident, split_qualified


def test_quote_only_when_needed():
    assert quote_ident("actor") == "actor"
    assert quote_ident("Actor") == '"Actor"'
    assert quote_ident("order") == '"order"'
    assert quote_ident("my table") == '"my table"'
    assert quote_ident('we"ird') == '"we""ird"'
    assert qualified("public", "OrderNotes") == 'public."OrderNotes"'


def test_split_qualified_honours_quotes():
    assert split_qualified('a."B.c"') == ["a", "B.c"]
    assert split_qualified('"x""y".z') == ['x"y', "z"]


def test_table_patterns_globs_case_and_schema():
    pats = parse_table_list('public.act*, "OrderNotes", inventory.?ooks\nfilm')
    assert pats[0].matches("public", "actor") and not pats[0].matches("other", "actor")
    assert pats[1].matches("public", "OrderNotes") and not pats[1].matches("public", "ordernotes")
    assert pats[2].matches("inventory", "books")
    assert pats[3].matches("any", "FILM")  # unquoted: case-insensitive
    assert parse_table_list("") == []
