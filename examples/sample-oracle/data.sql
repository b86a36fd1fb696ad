REM Rows for the "Harbour Ferries" sample (Oracle INSERT script, as SQL*Plus would run it)
SET DEFINE OFF
ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD';

INSERT INTO ports VALUES ('NOOSL', 'Oslo', 'NO', 59.90390, TO_DATE('1850-05-17', 'YYYY-MM-DD'));
INSERT INTO ports VALUES ('DKCPH', 'København', 'DK', 55.67610, TO_DATE('1900-01-01 06:30:00', 'YYYY-MM-DD HH24:MI:SS'));
INSERT INTO ports (port_code, name, country, latitude, opened) VALUES ('DEKEL', q'[Kiel "Ostuferhafen"]', '', NULL, DATE '2001-09-30');

BEGIN
  INSERT INTO vessels VALUES (1, N'Color Fantasy', 2750, 7520000, HEXTORAW('0123456789ABCDEF0123456789ABCDEF'), EMPTY_BLOB());
  INSERT INTO vessels VALUES (2, 'Crown Seaways', 1940, -100, NULL, HEXTORAW('FF00FF'));
  INSERT INTO vessels (vessel_id, name, capacity) VALUES (3, 'Tab' || CHR(9) || 'and' || CHR(10) || 'newline \ backslash', 12);
END;
/

INSERT INTO sailings (sailing_id, vessel_id, from_port, to_port, departs, departs_utc, duration, fare, notes)
VALUES (1, 1, 'NOOSL', 'DEKEL', TO_TIMESTAMP('2023-12-31 14:00:00.125', 'YYYY-MM-DD HH24:MI:SS.FF3'),
        TO_TIMESTAMP_TZ('2023-12-31 14:00:00 +01:00', 'YYYY-MM-DD HH24:MI:SS TZH:TZM'), NULL, 1299.50, 'New Year''s Eve');
INSERT INTO sailings (sailing_id, vessel_id, from_port, to_port, departs, fare, notes)
VALUES (2, 2, 'DKCPH', 'NOOSL', TO_TIMESTAMP('2024-06-01 16:30:00', 'YYYY-MM-DD HH24:MI:SS'), 899, EMPTY_CLOB());
INSERT INTO sailings (sailing_id, vessel_id, from_port, to_port, departs, fare)
VALUES (3, 2, 'NOOSL', 'DKCPH', TO_TIMESTAMP('2025-02-02 07:45:00', 'YYYY-MM-DD HH24:MI:SS'), NULL);

INSERT INTO tickets VALUES (500, 1, 'Ola Nordmann', TO_DATE('2023-11-01', 'YYYY-MM-DD'), 1299.5);
INSERT INTO tickets VALUES (501, 2, NULL, TO_DATE('2024-05-20 09:15:30', 'YYYY-MM-DD HH24:MI:SS'), 899.00);
COMMIT;
