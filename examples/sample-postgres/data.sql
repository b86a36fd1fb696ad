-- transship sample PostgreSQL database: data for schema.sql.
-- Deterministic: every value is derived from generate_series() arithmetic
-- (no random(), no now() in stored values), so loading into two fresh
-- databases gives identical content.
-- Insert order follows the foreign keys; the audit trigger on public.orders
-- fires during the load on purpose.

SET client_encoding = 'UTF8';
-- Fixed session time zone: timestamptz arithmetic and to_jsonb() output in
-- the audit trigger must not depend on the client's settings.
SET TimeZone = 'UTC';

BEGIN;

-- ---------------------------------------------------------------------------
-- inventory.publishers (serial column; explicit ids, setval later)
-- ---------------------------------------------------------------------------
INSERT INTO inventory.publishers (publisher_id, name, country_code, founded_on, website) VALUES
    (1, 'Éditions du Ruisseau Clair', 'FR', '1931-04-17', 'https://ruisseau.example'),
    (2, '青竹書房',                    'JP', '1958-10-01', NULL),
    (3, 'Ñandú Libros',               'AR', NULL,          ''),
    (4, 'Kvist & Bølge Forlag',       'DK', '1977-02-28', 'https://kvist-bolge.example');

WITH w AS (
    SELECT ARRAY['Lantern', 'Copperleaf', 'Northwind', 'Saffron', 'Harbourlight',
                 'Quillon', 'Meridian', 'Thistledown'] AS first,
           ARRAY['Press', 'Books', 'House', 'Editions', '& Daughters'] AS second,
           ARRAY['GB', 'US', 'IE', 'DE', 'CA', 'NZ', NULL] AS countries
)
INSERT INTO inventory.publishers (publisher_id, name, country_code, founded_on, website)
SELECT 4 + g,
       w.first[1 + g % 8] || ' ' || w.second[1 + (g / 8) % 5],
       w.countries[1 + g % 7],
       CASE WHEN g % 6 = 0 THEN NULL ELSE date '1890-01-01' + (g * 1117) % 45000 END,
       CASE WHEN g % 4 = 0 THEN NULL
            ELSE 'https://' || lower(w.first[1 + g % 8]) || g || '.example' END
FROM generate_series(1, 39) AS g, w
ORDER BY g;

-- RULE on a view: this insert is rewritten into inventory.publishers and
-- takes its id from the serial sequence, so move the sequence first.
SELECT setval(pg_get_serial_sequence('inventory.publishers', 'publisher_id'),
              (SELECT max(publisher_id) FROM inventory.publishers));
INSERT INTO inventory.publisher_directory (name, country_code)
VALUES ('Brackenfold "Small" Press', 'GB');

-- ---------------------------------------------------------------------------
-- inventory.authors (identity BY DEFAULT; self-referencing mentor_id always
-- points at a lower id, so row order satisfies the FK)
-- ---------------------------------------------------------------------------
WITH n AS (
    SELECT ARRAY['Amélie', 'Bjørn', 'Chloé', 'Dmitri', 'Eun-ji', 'François', 'Grzegorz',
                 'Hana', 'Íñigo', 'Jürgen', 'Kofi', 'Łucja', 'Mårten', 'Nnamdi', 'Oisín',
                 'Priya', 'Quentin', 'Rūta', 'Søren', 'Tomás', '美咲', '伟', 'Zeynep'] AS first,
           ARRAY['Abernethy', 'Brightwater', 'Castellanos', 'Dunmore', 'Eskildsen',
                 'Fairweather', 'Galloway-Pike', 'Holloway', 'Ishikawa', 'Juniper',
                 'Kowalczyk', 'Lindqvist', 'Moreau', 'Nakamura', 'Okonkwo', 'Pemberton',
                 'Quarrie', 'Rosenthal', 'Szabó', '王', 'Ó Briain'] AS last
)
INSERT INTO inventory.authors (author_id, full_name, pen_name, birth_year, mentor_id, bio)
SELECT g,
       n.first[1 + g % 23] || ' ' || n.last[1 + (g * 7) % 21],
       CASE WHEN g % 10 = 3 THEN ''                       -- empty string, not NULL
            WHEN g % 10 = 7 THEN 'The ' || n.last[1 + g % 21] || ' ✒️'
            WHEN g % 50 = 11 THEN '🦉 Owl of ' || n.last[1 + g % 21]
            ELSE NULL END,
       CASE WHEN g % 13 = 0 THEN NULL ELSE 1890 + (g * 37) % 120 END,
       CASE WHEN g <= 20 OR g % 3 = 0 THEN NULL ELSE 1 + (g * 7) % (g - 1) END,
       CASE g % 25
            WHEN 1 THEN E'Born by the sea.\nWrote at night.\nNever owned a cat.'
            WHEN 2 THEN E'Genres:\tfantasy\tcrime\tpoetry'
            WHEN 3 THEN E'Bio imported from an old system\r\nwith CRLF line endings\r\n'
            WHEN 4 THEN E'Keeps drafts in C:\\Users\\writer\\drafts\\ and uses \\n literally'
            WHEN 5 THEN 'Says "always" and ''never'' in the same sentence'
            WHEN 6 THEN ''
            WHEN 7 THEN '作家。東京在住。猫が好き。🐈'
            WHEN 8 THEN 'Ça va? Ünïcödé ñ ß Ω ≠ ∞ — “typographic quotes” and 𝄞 music'
            ELSE CASE WHEN g % 2 = 0 THEN NULL
                      ELSE 'Author of ' || (g % 9 + 1) || ' published works.' END
       END
FROM generate_series(1, 300) AS g, n
ORDER BY g;

-- ---------------------------------------------------------------------------
-- inventory.books (identity ALWAYS -> OVERRIDING SYSTEM VALUE; title_search is
-- a generated column and is not inserted)
-- ---------------------------------------------------------------------------
WITH w AS (
    SELECT ARRAY['Silent', 'Crimson', 'Hollow', 'Gilded', 'Forgotten', 'Northern',
                 'Paper', 'Tidal', 'Velvet', 'Iron', 'Lantern-lit', 'Eleventh',
                 'Borrowed', 'Salt', 'Quiet', 'Wandering', 'Brass', 'Winter',
                 'Unfinished', 'Sleepless'] AS adj,
           ARRAY['Orchard', 'Cartographer', 'Lighthouse', 'Ledger', 'Garden', 'Harbour',
                 'Archive', 'Clockmaker', 'Meadow', 'Staircase', 'Tide', 'Observatory',
                 'Ferryman', 'Library', 'Compass', 'Kingdom', 'Atlas', 'Beekeeper',
                 'Chorus', 'Foundry', 'Ballroom', 'Glasshouse', 'Quarry', 'Signal',
                 'Weaver'] AS noun,
           ARRAY['hardcover', 'paperback', 'ebook', 'audiobook'] AS formats,
           ARRAY['fr', 'de', 'ja', 'es', 'pl', 'zh'] AS langs,
           ARRAY['Un roman lumineux', 'Ein stilles Buch', '静かな物語', 'Una novela breve',
                 'Cicha opowieść', '一本安静的书'] AS blurbs
)
INSERT INTO inventory.books
    (book_id, isbn, title, subtitle, publisher_id, list_price, page_count, published_on,
     in_print, tags, attributes, cover_thumb, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT g,
       '978' || lpad(g::text, 10, '0'),
       CASE WHEN g % 100 = 42 THEN '月の図書館 ' || (g / 100 + 1)
            WHEN g % 100 = 77 THEN '📚 Shelf Life, Volume ' || (g / 100 + 1)
            ELSE 'The ' || w.adj[1 + g % 20] || ' ' || w.noun[1 + (g / 20) % 25]
                 || CASE WHEN g > 500 THEN ' (' || (g / 500 + 1) || ')' ELSE '' END
       END,
       CASE WHEN g % 17 = 0 THEN ''                      -- empty string, not NULL
            WHEN g % 3 = 0 THEN NULL
            WHEN g % 3 = 1 THEN 'A Novel'
            ELSE 'Stories from the ' || w.noun[1 + g % 25] END,
       CASE WHEN g % 97 = 0 THEN NULL ELSE 1 + g % 44 END,
       round(4.99 + ((g * 37) % 5000) / 100.0, 2),
       CASE WHEN g % 41 = 0 THEN NULL ELSE 80 + (g * 13) % 900 END,
       CASE WHEN g % 59 = 0 THEN NULL ELSE date '1985-01-01' + (g * 53) % 14000 END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE g % 3 <> 0 END,
       CASE WHEN g % 11 = 0 THEN '{}'::text[]
            WHEN g % 101 = 1 THEN ARRAY['quoting', 'has "quotes", commas', '{braces}', E'back\\slash', NULL]
            WHEN g % 101 = 2 THEN ARRAY['', 'NULL', 'null', ' padded ']
            WHEN g % 4 = 0 THEN ARRAY['fiction', w.noun[1 + g % 25]]
            WHEN g % 4 = 1 THEN ARRAY['non-fiction']
            WHEN g % 4 = 2 THEN ARRAY['poetry', 'translated', 'prix-littéraire']
            ELSE ARRAY['children', '子供', '🧸']
       END,
       CASE WHEN g % 23 = 0 THEN NULL
            WHEN g % 29 = 0 THEN 'null'::jsonb            -- JSON null, not SQL NULL
            ELSE jsonb_build_object(
                     'format', w.formats[1 + g % 4],
                     'dimensions_mm', jsonb_build_object('h', 180 + g % 60, 'w', 110 + g % 40,
                                                         'd', round(8 + (g % 70) / 3.0, 3)),
                     'translations', CASE WHEN g % 3 = 0 THEN '[]'::jsonb ELSE jsonb_build_array(
                         jsonb_build_object('lang', w.langs[1 + g % 6],
                                            'blurb', w.blurbs[1 + g % 6]),
                         jsonb_build_object('lang', 'en', 'blurb', E'Line one\nLine "two" 🌊')) END,
                     'first_edition', g % 7 = 0,
                     'award', CASE WHEN g % 19 = 0 THEN 'Prix du Ruisseau ★' ELSE NULL END)
       END,
       CASE WHEN g = 1 THEN (SELECT decode(string_agg(lpad(to_hex(b), 2, '0'), '' ORDER BY b), 'hex')
                             FROM generate_series(0, 255) AS b)       -- all 256 byte values
            WHEN g % 10 = 0 THEN decode(md5('cover:' || g), 'hex')
            WHEN g % 49 = 0 THEN '\x'::bytea                          -- empty bytea
            ELSE NULL END,
       timestamptz '2020-01-01 00:00:00+00' + g * interval '1 hour 3 minutes 7.654321 seconds',
       CASE WHEN g % 8 = 0
            THEN timestamptz '2020-01-01 00:00:00+00' + g * interval '1 hour 3 minutes 7.654321 seconds'
                 + interval '45 days 0.000001 seconds'
            ELSE NULL END
FROM generate_series(1, 1200) AS g, w
ORDER BY g;

-- ---------------------------------------------------------------------------
-- inventory.book_authors (composite PK; 1-3 distinct authors per book)
-- ---------------------------------------------------------------------------
INSERT INTO inventory.book_authors (book_id, author_id, author_order, role)
SELECT b,
       1 + (b * 7 + k * 101) % 300,
       k,
       (ARRAY['author', 'co-author', 'translator'])[k]
FROM generate_series(1, 1200) AS b
CROSS JOIN LATERAL generate_series(1, 1 + (b % 2) + (CASE WHEN b % 5 = 0 THEN 1 ELSE 0 END)) AS k
WHERE k <= 3
ORDER BY b, k;

-- ---------------------------------------------------------------------------
-- inventory.stock (LIST partitioned: NORTH/EAST -> stock_north,
-- SOUTH/WEST -> stock_south)
-- ---------------------------------------------------------------------------
INSERT INTO inventory.stock (warehouse_code, book_id, on_hand, bin_location)
SELECT wh,
       b,
       (b * 17 + length(wh) * 5) % 60,
       CASE WHEN b % 9 = 0 THEN NULL
            ELSE substr(wh, 1, 1) || '-' || lpad((b % 40)::text, 2, '0') || '-' || (b % 6 + 1) END
FROM generate_series(1, 800) AS b
CROSS JOIN unnest(ARRAY['NORTH', 'EAST', 'SOUTH', 'WEST']) WITH ORDINALITY AS w(wh, wn)
WHERE (b + wn) % 3 <> 0
ORDER BY b, wn;

-- ---------------------------------------------------------------------------
-- inventory.stock_movements (no primary key; duplicates are allowed)
-- ---------------------------------------------------------------------------
INSERT INTO inventory.stock_movements (warehouse_code, book_id, delta, moved_at, reason)
SELECT (ARRAY['NORTH', 'EAST', 'SOUTH', 'WEST'])[1 + g % 4],
       1 + (g * 31) % 800,
       CASE WHEN g % 3 = 0 THEN -(1 + g % 5) ELSE 1 + (g * 7) % 24 END,
       timestamp '2022-03-01 06:00:00' + g * interval '2 hours 41 minutes 0.000417 seconds',
       CASE g % 12
            WHEN 0 THEN 'sale'
            WHEN 1 THEN 'delivery from publisher'
            WHEN 2 THEN NULL
            WHEN 3 THEN ''
            WHEN 4 THEN E'damaged:\twater\nsee report'
            WHEN 5 THEN 'réassort — été'
            ELSE 'stock count' END
FROM generate_series(1, 1500) AS g
ORDER BY g;
-- the same row twice: legal because the table has no key
INSERT INTO inventory.stock_movements (warehouse_code, book_id, delta, moved_at, reason)
VALUES ('EAST', 5, 2, '2024-02-29 23:59:59.999999', 'duplicate row'),
       ('EAST', 5, 2, '2024-02-29 23:59:59.999999', 'duplicate row');

-- PROCEDURE call: modifies inventory.stock and logs to inventory.stock_movements
CALL inventory.adjust_stock('NORTH', 3, 12, 'procedure: restock', '2024-06-01 10:00:00.123456');
CALL inventory.adjust_stock('WEST', 3, -1, 'procedure: sale', '2024-06-02 11:30:00.654321');
CALL inventory.adjust_stock('SOUTH', 1199, 4, 'procedure: new stock line', '2024-06-03 09:00:00');

-- ---------------------------------------------------------------------------
-- public.customers (bigserial + DEFAULT nextval() column; explicit values,
-- setval later)
-- ---------------------------------------------------------------------------
WITH n AS (
    SELECT ARRAY['Ada', 'Bruno', 'Céline', 'Darius', 'Elif', 'Fiona', 'Gökhan', 'Helga',
                 'Ioana', 'Jonas', 'Kalani', 'Leilani', 'Matteo', 'Noémie', 'Olu', 'Paweł',
                 'Rhiannon', 'Sakura', 'Thabo', 'Ulla', 'Vikram', '小雨', 'Wren'] AS first,
           ARRAY['Ashdown', 'Barrowclough', 'Corrigan', 'Delacroix-Vane', 'Eberhardt',
                 'Finch', 'Greenhalgh', 'Håkansson', 'Iwasaki', 'Jablonski', 'Kerrigan',
                 'Larkspur', 'Montague', 'Nightingale', 'Oyelaran', 'Pérez de la Loma',
                 'Radcliffe', '林', 'Thornbury'] AS last,
           ARRAY['en', 'fr', 'de', 'ja', 'es', 'zh-Hant'] AS langs,
           ARRAY['Hello', 'Bonjour à tous', 'Grüß Gott', 'こんにちは', '¡Hola, señora!', '你好 👋'] AS greetings
)
INSERT INTO public.customers
    (customer_id, customer_no, email, full_name, display_name, birth_date, is_active,
     loyalty_points, phone_numbers, favourite_genres, preferences, external_ref, notes,
     created_at, updated_at)
SELECT g,
       100000 + g,
       CASE WHEN g % 10 = 0 THEN 'Reader.' || g || '@Example.ORG'
            ELSE 'reader' || g || '@example.' || (ARRAY['com', 'net', 'org'])[1 + g % 3] END,
       CASE g
            WHEN 1 THEN 'Zoë "Zee" O''Malley'
            WHEN 2 THEN E'Tab\tSeparated Name'
            WHEN 3 THEN E'Two\nLine Name'
            WHEN 4 THEN E'Carriage\rReturn Name'
            WHEN 5 THEN E'Back\\Slash \\\\ Name'
            WHEN 6 THEN '🦊 Fox Reader 🦊'
            WHEN 7 THEN '林 小雨'
            WHEN 8 THEN 'Ægir Þórsson'
            ELSE n.first[1 + g % 23] || ' ' || n.last[1 + (g * 5) % 19]
       END,
       CASE g % 4 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE n.first[1 + g % 23] END,
       CASE WHEN g % 9 = 0 THEN NULL ELSE date '1940-01-01' + (g * 191) % 24000 END,
       g % 11 <> 0,
       (g * 37) % 2000,
       CASE WHEN g % 31 = 0 THEN '{}'::text[]
            WHEN g % 3 = 0 THEN NULL
            WHEN g % 3 = 1 THEN ARRAY['+44 20 7946 ' || lpad((g % 1000)::text, 4, '0')]
            ELSE ARRAY['+1 555 01' || lpad((g % 100)::text, 2, '0'), 'ext. "7"', NULL] END,
       CASE WHEN g % 19 = 0 THEN '{}'::int[]
            WHEN g % 5 = 0 THEN NULL
            ELSE ARRAY[g % 7, (g * 3) % 11, -(g % 4)] END,
       jsonb_build_object(
           'newsletter', g % 2 = 0,
           'lang', n.langs[1 + g % 6],
           'greeting', n.greetings[1 + g % 6],
           'nested', jsonb_build_object(
               'shelf', jsonb_build_array('fiction', 'ノンフィクション', g, NULL, g % 3 = 0),
               'score', round(g / 7.0, 6),
               'deep', jsonb_build_object('emoji', '🎉🐉', 'quote', E'she said "hi"\\\t'))),
       md5('customer:' || g)::uuid,
       CASE WHEN g % 7 = 0 THEN ''
            WHEN g % 7 = 1 THEN E'prefers pickup;\nallergic to dust 😷'
            WHEN g % 29 = 0 THEN E'C:\\Temp\\notes.txt\r\n"quoted" ''single'''
            ELSE NULL END,
       timestamptz '2019-06-01 08:00:00+02' + g * interval '17 hours 11 minutes 13.000123 seconds',
       CASE WHEN g % 6 = 0
            THEN timestamptz '2024-01-15 12:00:00.5+00' + g * interval '1 minute 0.000007 seconds'
            ELSE NULL END
FROM generate_series(1, 500) AS g, n
ORDER BY g;

-- ---------------------------------------------------------------------------
-- Order lines are computed once into a session-temporary table so that
-- orders.total can be filled consistently without a later UPDATE.
-- ---------------------------------------------------------------------------
CREATE TEMPORARY TABLE tmp_order_lines ON COMMIT DROP AS
SELECT o AS order_id,
       k AS line_no,
       1 + (o * 37 + k * 211) % 1200 AS book_id,
       1 + (o + k) % 4 AS quantity
FROM generate_series(1, 2400) AS o
CROSS JOIN LATERAL generate_series(1, 1 + o % 4) AS k;

ALTER TABLE tmp_order_lines ADD COLUMN unit_price numeric(10,2);
UPDATE tmp_order_lines t
SET unit_price = CASE WHEN t.line_no = 4 THEN 0.00           -- free promotional copy
                      ELSE round(b.list_price * (1 - (t.order_id % 4) * 0.05), 2) END
FROM inventory.books b
WHERE b.book_id = t.book_id;

-- ---------------------------------------------------------------------------
-- public.orders (identity ALWAYS; AFTER INSERT trigger writes audit_log rows)
-- ---------------------------------------------------------------------------
WITH totals AS (
    SELECT order_id, sum(quantity * unit_price) AS total
    FROM tmp_order_lines GROUP BY order_id
)
INSERT INTO public.orders
    (order_id, customer_id, status, ordered_at, shipped_at, delivery_window, discount_rate,
     total, shipping_address, gift_message, updated_at)
OVERRIDING SYSTEM VALUE
SELECT g,
       1 + (g * 13) % 500,
       s.status,
       s.ordered_at,
       CASE WHEN s.status IN ('shipped', 'delivered')
            THEN (s.ordered_at AT TIME ZONE 'UTC') + interval '1 day 3 hours'
                 + g * interval '1.000001 seconds'
            ELSE NULL END,
       CASE WHEN g % 6 = 0 THEN NULL
            WHEN g % 50 = 1 THEN interval '1 mon 2 days 03:04:05.678901'
            WHEN g % 50 = 2 THEN interval '-3 days'
            ELSE make_interval(days => g % 5, hours => g % 24, mins => (g * 7) % 60) END,
       round((g % 17)::numeric / 7, 10),
       CASE WHEN s.status = 'cancelled' AND g % 2 = 0 THEN NULL ELSE t.total END,
       CASE g % 8
            WHEN 0 THEN NULL
            WHEN 1 THEN E'12 Quay Street\nPortharrow\nPH1 2AB'
            WHEN 2 THEN E'Apt 4B\r\n881 Cedar Row\r\nMillbrook, NY 10000'
            WHEN 3 THEN '〒150-0000 東京都 架空区 1-2-3'
            WHEN 4 THEN 'Rue des Érables 7, 1000 Bruxelles'
            WHEN 5 THEN ''
            ELSE 'PO Box ' || g || ', Kestrel Bay' END,
       CASE WHEN g % 40 = 1 THEN 'Happy birthday! 🎂🎈'
            WHEN g % 40 = 2 THEN E'To "Nana" \\ with love\tx'
            WHEN g % 40 = 3 THEN ''
            WHEN g % 40 = 4 THEN 'It''s for you'
            ELSE NULL END,
       CASE WHEN g % 10 = 0 THEN s.ordered_at + interval '2 days 0.000123 seconds' ELSE NULL END
FROM generate_series(1, 2400) AS g
CROSS JOIN LATERAL (
    SELECT (enum_range(NULL::public.order_status))[1 + (g * 3) % 5] AS status,
           timestamptz '2021-03-01 09:00:00+00'
               + g * interval '16 hours 7 minutes 3.123456 seconds' AS ordered_at
) AS s
JOIN totals t ON t.order_id = g
ORDER BY g;

-- ---------------------------------------------------------------------------
-- public.order_items (composite PK, FK into inventory.books)
-- ---------------------------------------------------------------------------
INSERT INTO public.order_items (order_id, line_no, book_id, quantity, unit_price)
SELECT order_id, line_no, book_id, quantity, unit_price
FROM tmp_order_lines
ORDER BY order_id, line_no;

-- ---------------------------------------------------------------------------
-- public."OrderNotes" (quoted names; FK added NOT VALID is still checked for
-- new rows)
-- ---------------------------------------------------------------------------
INSERT INTO public."OrderNotes" (note_id, "order", "note text", "AuthorName", "select", created_at)
SELECT g,
       1 + (g * 37) % 2400,
       CASE g % 10
            WHEN 0 THEN 'Customer called about delivery'
            WHEN 1 THEN E'Multi-line note:\n- wrap as gift\n- no invoice in box'
            WHEN 2 THEN E'col1\tcol2\tcol3'
            WHEN 3 THEN E'old system export\r\n'
            WHEN 4 THEN E'path \\\\server\\share\\orders'
            WHEN 5 THEN 'He wrote: "don''t bend the cover"'
            WHEN 6 THEN ''
            WHEN 7 THEN 'Kunde wünscht Lieferung nach 18 Uhr — merci ✅'
            WHEN 8 THEN '请在周末送货 🚚'
            ELSE 'Note #' || g END,
       CASE WHEN g % 5 = 0 THEN NULL WHEN g % 5 = 1 THEN '' ELSE 'staff-' || (g % 12) END,
       g % 4 = 0,
       timestamptz '2021-03-02 10:00:00+00' + g * interval '3 days 1 hour 0.000999 seconds'
FROM generate_series(1, 400) AS g
ORDER BY g;

-- ---------------------------------------------------------------------------
-- public.sales_ledger (RANGE partitioned; dates 2021-06 .. 2025-07 so the
-- 2022/2023/2024 partitions and the DEFAULT partition all get rows)
-- ---------------------------------------------------------------------------
INSERT INTO public.sales_ledger
    (entry_id, sold_on, book_id, customer_id, quantity, amount, exchange_rate, channel)
SELECT g,
       date '2021-06-01' + (g * 17) % 1500,
       x.book_id,
       CASE WHEN g % 4 = 0 THEN NULL ELSE 1 + (g * 19) % 500 END,
       x.qty,
       x.qty * b.list_price,
       CASE WHEN g % 4 = 1 THEN NULL ELSE round(1 + g::numeric / 997, 24) END,
       (ARRAY['store', 'web', 'book fair', 'phone'])[1 + g % 4]
FROM generate_series(1, 2500) AS g
CROSS JOIN LATERAL (
    SELECT 1 + (g * 29) % 1200 AS book_id,
           CASE WHEN g % 25 = 0 THEN -1 ELSE 1 + g % 4 END AS qty
) AS x
JOIN inventory.books b ON b.book_id = x.book_id
ORDER BY g;

-- ---------------------------------------------------------------------------
-- public.audit_log: rows were written by the orders AFTER INSERT trigger with
-- logged_at = now(). Pin them to a value derived from the row so that two
-- loads produce identical content.
-- ---------------------------------------------------------------------------
UPDATE public.audit_log
SET logged_at = (row_data ->> 'ordered_at')::timestamptz + interval '0.5 seconds';

COMMIT;

-- ---------------------------------------------------------------------------
-- Sequences: continue after the loaded ids (standalone, serial, bigserial and
-- identity sequences alike)
-- ---------------------------------------------------------------------------
SELECT setval('public.customer_number_seq', (SELECT max(customer_no) FROM public.customers));
SELECT setval(pg_get_serial_sequence('inventory.publishers', 'publisher_id'),
              (SELECT max(publisher_id) FROM inventory.publishers));
SELECT setval(pg_get_serial_sequence('inventory.authors', 'author_id'),
              (SELECT max(author_id) FROM inventory.authors));
SELECT setval(pg_get_serial_sequence('inventory.books', 'book_id'),
              (SELECT max(book_id) FROM inventory.books));
SELECT setval(pg_get_serial_sequence('public.customers', 'customer_id'),
              (SELECT max(customer_id) FROM public.customers));
SELECT setval(pg_get_serial_sequence('public.orders', 'order_id'),
              (SELECT max(order_id) FROM public.orders));
SELECT setval(pg_get_serial_sequence('public."OrderNotes"', 'note_id'),
              (SELECT max(note_id) FROM public."OrderNotes"));
SELECT setval(pg_get_serial_sequence('public.audit_log', 'audit_id'),
              (SELECT max(audit_id) FROM public.audit_log));
SELECT setval(pg_get_serial_sequence('public.sales_ledger', 'entry_id'),
              (SELECT max(entry_id) FROM public.sales_ledger));

-- ---------------------------------------------------------------------------
-- Materialized view
-- ---------------------------------------------------------------------------
REFRESH MATERIALIZED VIEW public.book_sales_summary;
