"""Compare two PostgreSQL databases table by table: row counts and an md5 over rows in key order.

Usage: python scripts/compare_databases.py SOURCE_URL TARGET_URL schema1,schema2
Exit code 1 when any table differs.
"""

from __future__ import annotations

import sys

from transship.testing.compare import compare_pg_databases


def main() -> int:
    source, target, schemas = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    rows, ok = compare_pg_databases(source, target, schemas)
    width = max((len(r[0]) for r in rows), default=5)
    print(f"{'TABLE':<{width}}  {'SOURCE ROWS':>11}  {'TARGET ROWS':>11}  CONTENT")
    for name, src_count, tgt_count, same in rows:
        print(f"{name:<{width}}  {src_count:>11,}  {tgt_count:>11,}  {'same' if same else 'DIFFERENT'}")
    print("all tables identical" if ok else "DIFFERENCES FOUND")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
