"""SPATIAL indexes, triggers setting backtick-quoted columns, and the NUL-removal note on text columns."""

from __future__ import annotations

from mysql_helpers import adapter_for, copy_data, export_and_apply, pg_rows

SPATIAL = """
CREATE TABLE places (
  id INT PRIMARY KEY, loc POINT NOT NULL, shape GEOMETRY NOT NULL,
  SPATIAL KEY sp (loc), SPATIAL KEY sp_shape (shape)
) ENGINE=InnoDB;
INSERT INTO places VALUES (1, POINT(1, 2), ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))')),
                          (2, POINT(5, 5), ST_GeomFromText('POINT(3 3)'));
"""


def test_spatial_index_on_point_is_gist_on_geometry_reported(
    mysql_server, mysql_db, pg_server, pg_target_db, load, tmp_path
):
    load(SPATIAL)
    adapter = adapter_for(mysql_server, mysql_db)
    schema_dir, (result, failed) = export_and_apply(adapter, tmp_path, pg_server, pg_target_db)
    assert failed == []
    indexes = (schema_dir / "tables" / "INDEXES_table.sql").read_text(encoding="utf-8")
    assert "CREATE INDEX places_sp ON places USING gist (loc);" in indexes
    assert pg_rows(
        pg_server, pg_target_db, "SELECT indexdef FROM pg_indexes WHERE indexname = 'places_sp'"
    ) == [("CREATE INDEX places_sp ON public.places USING gist (loc)",)]
    # geometry is stored as WKT text: the index stays a comment with its full definition and a true reason
    assert "CREATE SPATIAL INDEX `sp_shape` ON `places` (`shape`);" in indexes
    (finding,) = [f for f in result.findings if f["object_name"] == "places.sp_shape"]
    assert finding["kind"] == "unconverted_object"
    assert "column shape stored as text" in finding["reason"] and "prefix" not in finding["reason"]
    copy_data(adapter, pg_server, pg_target_db)
    # the points arrive and the indexed column answers a distance query
    assert pg_rows(
        pg_server, pg_target_db, "SELECT id FROM places ORDER BY loc <-> point '(4,4)' LIMIT 1"
    ) == [(2,)]


QUOTED_TRIGGER = """
CREATE TABLE kw (id INT PRIMARY KEY, `select` INT, `from` INT, `Mixed Name` VARCHAR(10));
DELIMITER ;;
CREATE TRIGGER kw_bi BEFORE INSERT ON kw FOR EACH ROW
BEGIN
  SET NEW.`select` = 1, NEW.`from` = NEW.`select` + NEW.id;
  SET NEW.`Mixed Name` = CONCAT('n', NEW.id);
END;;
DELIMITER ;
"""


def test_trigger_setting_backtick_quoted_columns_works(
    mysql_server, mysql_db, pg_server, pg_target_db, load, tmp_path
):
    load(QUOTED_TRIGGER)
    adapter = adapter_for(mysql_server, mysql_db)
    schema_dir, (result, failed) = export_and_apply(adapter, tmp_path, pg_server, pg_target_db)
    assert failed == []
    assert not [f for f in result.findings if f["kind"] == "unconverted_object"], result.findings
    trigger_sql = (schema_dir / "triggers" / "trigger.sql").read_text(encoding="utf-8")
    assert 'new."select" := 1;' in trigger_sql
    assert pg_rows(pg_server, pg_target_db, "INSERT INTO kw (id) VALUES (41) RETURNING *") == [
        (41, 1, 42, "n41")
    ]


NUL_TEXT = """
CREATE TABLE notes (id INT PRIMARY KEY, title VARCHAR(20), body TEXT, raw TEXT, n INT, j JSON);
CREATE TABLE counts (id INT PRIMARY KEY, n INT);
INSERT INTO notes VALUES (1, CONCAT('a', CHAR(0 USING utf8mb4), 'b'), 'x', CONCAT('k', CHAR(0 USING utf8mb4), 'ü'), 1, '[]');
"""


def test_nul_removal_is_reported_once_and_a_bytea_rule_keeps_nul(
    mysql_server, mysql_db, pg_server, pg_target_db, load, tmp_path
):
    load(NUL_TEXT)
    rules = {"rules": [{"column": "notes.raw", "target": "bytea", "name": "keep.raw.bytes"}]}
    adapter = adapter_for(mysql_server, mysql_db, rules)
    _, (result, failed) = export_and_apply(adapter, tmp_path, pg_server, pg_target_db)
    assert failed == []
    nul = [f for f in result.findings if "NUL (0x00)" in f["reason"]]
    assert (
        [(f["kind"], f["object_type"], f["object_name"]) for f in nul]
        == [("lossy_conversion", "TABLE", "(text columns)")]
    )  # one note for the database; counts has no text column; json and the bytea-mapped column keep their NULs
    assert nul[0]["reason"].endswith("in 1 table(s): notes (title, body)"), nul[0]["reason"]
    copy_data(adapter, pg_server, pg_target_db)
    (row,) = pg_rows(pg_server, pg_target_db, "SELECT title, body, raw FROM notes")
    assert (row[0], row[1], bytes(row[2])) == ("ab", "x", "k\x00ü".encode())
