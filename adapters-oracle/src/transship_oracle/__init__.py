"""transship source adapter for Oracle (live with python-oracledb, or from Oracle SQL scripts)."""
