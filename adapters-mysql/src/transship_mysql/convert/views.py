"""Views: the query converted by :class:`transship_mysql.expressions.Converter`."""

from __future__ import annotations

from typing import Any

from transship.sdk import View
from transship_mysql.convert.base import ConverterBase
from transship_mysql.expressions import NotConvertible


class ViewConversion(ConverterBase):
    """Views."""

    def view(self, v: dict[str, Any]) -> View:
        name = self.table_name(str(v["table_name"]))
        source = str(v.get("view_definition") or "")
        view = View(schema=self.db, name=name, definition="", source_definition=source)
        check = str(v.get("check_option") or "NONE").upper()
        view.check_option = None if check == "NONE" else check.lower()
        if not source:
            view.converted = False
            view.note = "the view definition is not visible to the export user (needs SHOW VIEW)"
        else:
            try:
                view.definition, notes = self.converter.query(source)
                if notes:
                    view.note = "; ".join(notes)
                    self.conv.finding(
                        "guessed_conversion",
                        "VIEW",
                        name,
                        view.note,
                        "check the view returns what the application expects",
                    )
            except NotConvertible as exc:
                view.converted = False
                view.note = f"view not converted: {exc}"
        if not view.converted:
            self.conv.finding(
                "unconverted_object",
                "VIEW",
                name,
                view.note or "not converted",
                "convert the view by hand; the original is kept as a comment in views/view.sql",
            )
        return view
