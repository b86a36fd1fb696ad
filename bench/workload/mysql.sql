-- transship benchmark workload, generated (MariaDB flavour; needs the SEQUENCE engine's seq_1_to_N tables).
-- Same shape as the project's standard workload: customers / orders / documents. Every value is a function of
-- the row number, so two loads give identical rows, and postgres.sql gives the same rows in PostgreSQL.
-- bench/run.py replaces @CUSTOMERS@, @ORDERS@ and @DOCUMENTS@ with the row counts (--generate / --quick).
CREATE TABLE customers (
  id          INT AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(100) NOT NULL,
  email       VARCHAR(255) NOT NULL UNIQUE,
  country     CHAR(2),
  created_at  DATETIME NOT NULL,
  vip         TINYINT(1) NOT NULL DEFAULT 0,
  balance     DECIMAL(14,2),
  notes       TEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE orders (
  id          BIGINT AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  amount      DECIMAL(12,2),
  status      ENUM('new','paid','shipped','returned') NOT NULL,
  note        VARCHAR(200),
  created_at  DATETIME,
  paid        TINYINT(1),
  payload     JSON,
  KEY idx_customer (customer_id),
  KEY idx_created (created_at),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers(id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE documents (
  id          INT PRIMARY KEY,
  title       VARCHAR(200) NOT NULL,
  body        LONGTEXT,
  attachment  LONGBLOB
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

SET unique_checks = 0, foreign_key_checks = 0;

-- customers: text with tab, newline, backslash, carriage return and non-ASCII; every 9th note NULL
INSERT INTO customers (id, name, email, country, created_at, vip, balance, notes)
SELECT s.seq,
       CONCAT('Kunde #', s.seq),
       CONCAT('c', s.seq, '@bench.invalid'),
       ELT(1 + s.seq % 6, 'FR', 'NL', 'CA', 'MX', 'KR', 'ZA'),
       TIMESTAMP('2019-06-01 08:00:00') + INTERVAL (s.seq * 113) % 160000000 SECOND,
       s.seq % 5 = 0,
       ROUND((s.seq * 37) % 2000000 / 100 - 5000, 2),
       CASE s.seq % 9
         WHEN 0 THEN NULL
         WHEN 1 THEN CONCAT('col1\tcol2\nline two \\ backslash\r', s.seq)
         WHEN 2 THEN CONCAT('Grüße aus Zürich, 北京, Ελλάδα ★ ', s.seq)
         ELSE CONCAT('note ', SHA2(s.seq, 256))
       END
FROM seq_1_to_@CUSTOMERS@ s;

-- orders: the bulk table
INSERT INTO orders (id, customer_id, amount, status, note, created_at, paid, payload)
SELECT s.seq,
       1 + (s.seq * 104729) % @CUSTOMERS@,
       ROUND((s.seq * 173) % 5000000 / 100, 2),
       ELT(1 + (s.seq * 3) % 4, 'new', 'paid', 'shipped', 'returned'),
       CONCAT('order ', s.seq, ', "quoted", ', MD5(s.seq * 7)),
       CASE WHEN s.seq % 997 = 0 THEN NULL
            ELSE TIMESTAMP('2022-03-01') + INTERVAL (s.seq * 61) % 90000000 SECOND END,
       CASE WHEN s.seq % 11 = 0 THEN NULL ELSE s.seq % 3 = 0 END,
       JSON_OBJECT('n', s.seq, 'labels', JSON_ARRAY('x', 'y', 'z'), 'score', (s.seq % 400) / 16)
FROM seq_1_to_@ORDERS@ s;

-- documents: large rows (text up to ~128 KB, binary up to 64 KB), sizes spread over any row count
INSERT INTO documents (id, title, body, attachment)
SELECT s.seq,
       CONCAT('Doc ', s.seq),
       REPEAT(CONCAT(SHA2(s.seq, 256), ' the quick brown fox\n'), 1 + (s.seq * 37) % 1500),
       UNHEX(REPEAT(SHA2(s.seq * 5, 256), 1 + (s.seq * 53) % 2000))
FROM seq_1_to_@DOCUMENTS@ s;

SET unique_checks = 1, foreign_key_checks = 1;
ANALYZE TABLE customers, orders, documents;
