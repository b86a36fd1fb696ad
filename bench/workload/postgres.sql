-- transship benchmark workload, generated (PostgreSQL flavour: the same rows as mysql.sql).
-- bench/run.py replaces @CUSTOMERS@, @ORDERS@ and @DOCUMENTS@ with the row counts (--generate / --quick).
\set ON_ERROR_STOP on
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'returned');

CREATE TABLE customers (
  id          serial PRIMARY KEY,
  name        varchar(100) NOT NULL,
  email       varchar(255) NOT NULL UNIQUE,
  country     char(2),
  created_at  timestamp NOT NULL,
  vip         boolean NOT NULL DEFAULT false,
  balance     numeric(14,2),
  notes       text
);

CREATE TABLE orders (
  id          bigserial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers(id),
  amount      numeric(12,2),
  status      order_status NOT NULL,
  note        varchar(200),
  created_at  timestamp,
  paid        boolean,
  payload     jsonb
);
CREATE INDEX idx_orders_customer ON orders (customer_id);
CREATE INDEX idx_orders_created ON orders (created_at);

CREATE TABLE documents (
  id          integer PRIMARY KEY,
  title       varchar(200) NOT NULL,
  body        text,
  attachment  bytea
);

INSERT INTO customers (id, name, email, country, created_at, vip, balance, notes)
SELECT g,
       'Kunde #' || g,
       'c' || g || '@bench.invalid',
       (ARRAY['FR','NL','CA','MX','KR','ZA'])[1 + g % 6],
       timestamp '2019-06-01 08:00:00' + make_interval(secs => (g::bigint * 113) % 160000000),
       g % 5 = 0,
       round(((g::bigint * 37) % 2000000) / 100.0 - 5000, 2),
       CASE g % 9
         WHEN 0 THEN NULL
         WHEN 1 THEN E'col1\tcol2\nline two \\ backslash\r' || g
         WHEN 2 THEN 'Grüße aus Zürich, 北京, Ελλάδα ★ ' || g
         ELSE 'note ' || encode(sha256(g::text::bytea), 'hex')
       END
FROM generate_series(1, @CUSTOMERS@) g;
SELECT setval('customers_id_seq', @CUSTOMERS@);

INSERT INTO orders (id, customer_id, amount, status, note, created_at, paid, payload)
SELECT g,
       1 + (g::bigint * 104729) % @CUSTOMERS@,
       round(((g::bigint * 173) % 5000000) / 100.0, 2),
       (ARRAY['new','paid','shipped','returned'])[1 + (g * 3) % 4]::order_status,
       'order ' || g || ', "quoted", ' || md5((g::bigint * 7)::text),
       CASE WHEN g % 997 = 0 THEN NULL
            ELSE timestamp '2022-03-01' + make_interval(secs => (g::bigint * 61) % 90000000) END,
       CASE WHEN g % 11 = 0 THEN NULL ELSE g % 3 = 0 END,
       jsonb_build_object('n', g, 'labels', jsonb_build_array('x', 'y', 'z'), 'score', round((g % 400) / 16.0, 4))
FROM generate_series(1, @ORDERS@) g;
SELECT setval('orders_id_seq', @ORDERS@);

INSERT INTO documents (id, title, body, attachment)
SELECT g,
       'Doc ' || g,
       repeat(encode(sha256(g::text::bytea), 'hex') || E' the quick brown fox\n', 1 + (g * 37) % 1500),
       decode(repeat(encode(sha256((g * 5)::text::bytea), 'hex'), 1 + (g * 53) % 2000), 'hex')
FROM generate_series(1, @DOCUMENTS@) g;

ANALYZE;
