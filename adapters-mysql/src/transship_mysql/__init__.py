"""transship source adapter for MySQL and MariaDB."""
