-- transship sample MySQL/MariaDB database: every object kind the MySQL adapter converts, with tricky
-- types and names. Load into an empty database:  mariadb <db> < schema.sql
-- (written for this project; free to use)
SET NAMES utf8mb4;

CREATE TABLE customer (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  `Full Name` VARCHAR(100) NOT NULL,
  email VARCHAR(255) NULL,
  is_active TINYINT(1) NOT NULL DEFAULT 1,
  flags BIT(1) NOT NULL DEFAULT b'0',
  tier ENUM('free','pro','enterprise') NOT NULL DEFAULT 'free',
  tags SET('new','vip','late payer') NOT NULL DEFAULT '',
  profile JSON NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  email_domain VARCHAR(255) AS (SUBSTRING_INDEX(email, '@', -1)) VIRTUAL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_email (email),
  KEY idx_name_prefix (`Full Name`(20)),
  KEY idx_created_desc (created_at DESC),
  CONSTRAINT chk_name CHECK (CHAR_LENGTH(`Full Name`) > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='people who buy things';

CREATE TABLE `order` (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  customer_id BIGINT UNSIGNED NOT NULL,
  `select` VARCHAR(20) NULL COMMENT 'a reserved word as column name',
  amount DECIMAL(12,2) NOT NULL,
  placed_on DATE NOT NULL,
  shipped_at DATETIME NULL,
  duration TIME NULL,
  PRIMARY KEY (id),
  KEY idx_customer (customer_id),
  CONSTRAINT fk_order_customer FOREIGN KEY (customer_id) REFERENCES customer (id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE `Order-Line` (
  order_id INT UNSIGNED NOT NULL,
  line_no SMALLINT NOT NULL,
  `Product Code` CHAR(8) NOT NULL,
  qty MEDIUMINT UNSIGNED NOT NULL DEFAULT 1,
  price FLOAT NOT NULL,
  PRIMARY KEY (order_id, line_no),
  CONSTRAINT fk_line_order FOREIGN KEY (order_id) REFERENCES `order` (id)
) ENGINE=InnoDB;

CREATE TABLE document (
  id INT NOT NULL AUTO_INCREMENT,
  title VARCHAR(200) NOT NULL,
  body MEDIUMTEXT,
  attachment LONGBLOB,
  PRIMARY KEY (id),
  FULLTEXT KEY ft_document (title, body)
) ENGINE=InnoDB;

CREATE TABLE audit_log (
  logged_at DATETIME NOT NULL,
  message TEXT NOT NULL
) ENGINE=InnoDB;

CREATE TABLE measurement (
  id INT NOT NULL,
  taken YEAR NOT NULL,
  value DOUBLE NOT NULL,
  PRIMARY KEY (id, taken)
) ENGINE=InnoDB
PARTITION BY RANGE (taken) (
  PARTITION p_old VALUES LESS THAN (2000),
  PARTITION p_2000s VALUES LESS THAN (2010),
  PARTITION p_rest VALUES LESS THAN MAXVALUE
);

CREATE VIEW customer_orders AS
SELECT c.id AS customer_id, c.`Full Name` AS name, COUNT(o.id) AS orders, IFNULL(SUM(o.amount), 0) AS total
FROM customer c LEFT JOIN `order` o ON o.customer_id = c.id
GROUP BY c.id;

CREATE VIEW big_orders AS
SELECT id, amount FROM `order` WHERE amount >= 100;

DELIMITER //
CREATE FUNCTION order_total(p_order INT UNSIGNED) RETURNS DECIMAL(12,2)
READS SQL DATA
BEGIN
  DECLARE v_total DECIMAL(12,2) DEFAULT 0;
  SELECT IFNULL(SUM(qty * price), 0) INTO v_total FROM `Order-Line` WHERE order_id = p_order;
  RETURN v_total;
END //

CREATE PROCEDURE deactivate_customer(IN p_id BIGINT UNSIGNED)
MODIFIES SQL DATA
BEGIN
  IF p_id IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'customer id required';
  END IF;
  UPDATE customer SET is_active = 0 WHERE id = p_id;
END //

CREATE PROCEDURE list_customers()
READS SQL DATA
BEGIN
  SELECT id, `Full Name` FROM customer;
END //

CREATE TRIGGER order_audit AFTER INSERT ON `order` FOR EACH ROW
BEGIN
  INSERT INTO audit_log (logged_at, message) VALUES (NOW(), CONCAT('order ', NEW.id, ' placed'));
END //

CREATE TRIGGER order_check BEFORE INSERT ON `order` FOR EACH ROW
BEGIN
  IF NEW.amount < 0 THEN
    SET NEW.amount = 0;
  END IF;
END //
DELIMITER ;

INSERT INTO customer (id, `Full Name`, email, is_active, flags, tier, tags, profile, created_at) VALUES
 (1, 'Ada Lovelace', 'ada@example.org', 1, b'1', 'pro', 'vip,new', '{"lang": "en", "note": "tab\\there ü"}', '2024-01-02 03:04:05.123456'),
 (2, 'Zoë Ünïcode 🚀', NULL, 0, b'0', 'free', '', NULL, '2024-02-03 04:05:06'),
 (3, 'Back\\slash "Quote"', 'bq@example.org', 1, b'0', 'enterprise', 'late payer', '[1, 2.5, "x"]', '2024-03-04 05:06:07');
INSERT INTO `order` (id, customer_id, `select`, amount, placed_on, shipped_at, duration) VALUES
 (1, 1, 'first', 120.50, '2024-01-05', '2024-01-06 10:00:00', '36:15:00'),
 (2, 1, NULL, 15.00, '2024-02-01', NULL, '-01:30:00'),
 (3, 3, 'multi\nline', 999.99, '2024-03-05', '2024-03-06 00:00:01', NULL);
INSERT INTO `Order-Line` VALUES (1, 1, 'AB-12345', 2, 10.25), (1, 2, 'CD 67890', 1, 99.99), (3, 1, 'EF-00001', 10, 0.1);
INSERT INTO document (id, title, body, attachment) VALUES
 (1, 'hello', 'first document body', 0x00FF10), (2, 'empty', '', ''), (3, 'null', NULL, NULL);
INSERT INTO measurement VALUES (1, 1999, 1.5), (2, 2005, -2.25), (3, 2024, 1e300);
