#!/usr/bin/env python3
"""The metadata peer: DuckDB (PyPI `duckdb`) doing what `hashscreen scan --signals url_md5` does
on LAION metadata, the way Re-LAION-5B's cleaning was done: the list in a persistent DuckDB
table, the screen one query.

  duckdb_meta.py ingest DB TABLE LIST.txt
      CREATE TABLE TABLE (h VARCHAR) from a file of bare hex lines, in the database file DB
      (created if missing; TABLE replaced). Prints the row count.
  duckdb_meta.py screen DB MANIFEST {url_md5|md5} OUT.csv [removal|key]
      One query: MANIFEST's rows whose md5(URL) (url_md5) or `md5` column (md5) is in the
      table of that name, sorted by SAMPLE_ID, written to OUT.csv; DB opened read-only.
      removal (the default): their SAMPLE_ID and URL, the key and url columns of hashscreen's
      removals.csv (what the bench compares: the same output); key: the SAMPLE_ID only (for
      the recorded md5 column, a query that never reads the URL column).
      MANIFEST is read by extension: .parquet read_parquet, .csv read_csv, .jsonl read_json.
  duckdb_meta.py floor MANIFEST {decode|md5}
      What the screen costs without the list: decode = read every URL (sum of lengths);
      md5 = read and hash every URL (min of md5(URL)). Bounds for the screen's time.

md5(URL) is of the URL's bytes as written: the bench's URLs are ones on which hashscreen's
normalisation is the identity (bench/make_meta.py), so both tools hash the same bytes.
Threads: DuckDB's default (every core).
"""
import sys

import duckdb


def source(path):
    if path.endswith(".parquet"):
        return f"read_parquet('{path}')"
    if path.endswith(".csv"):
        return f"read_csv('{path}', header = true)"
    if path.endswith(".jsonl"):
        return f"read_json('{path}', format = 'newline_delimited')"
    sys.exit(f"duckdb_meta.py: unknown manifest format: {path}")


def main():
    a = sys.argv[1:]
    if len(a) == 4 and a[0] == "ingest":
        db, table, lst = a[1:]
        con = duckdb.connect(db)
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT h FROM "
                    f"read_csv('{lst}', header = false, columns = {{'h': 'VARCHAR'}})")
        print(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        con.close()
    elif len(a) in (5, 6) and a[0] == "screen" and (len(a) == 5 or a[5] in ("removal", "key")):
        db, manifest, kind, out = a[1:5]
        expr = {"url_md5": "md5(URL)", "md5": "lower(md5)"}[kind]
        columns = "SAMPLE_ID" if a[5:] == ["key"] else "SAMPLE_ID, URL"
        con = duckdb.connect(db, read_only=True)
        con.execute(f"COPY (SELECT {columns} FROM {source(manifest)} WHERE {expr} IN (SELECT h FROM {kind}) "
                    f"ORDER BY SAMPLE_ID) TO '{out}' (HEADER, DELIMITER ',')")
        con.close()
    elif len(a) == 3 and a[0] == "floor":
        manifest, kind = a[1:]
        expr = {"decode": "sum(length(URL))", "md5": "min(md5(URL))"}[kind]
        print(duckdb.connect().execute(f"SELECT {expr} FROM {source(manifest)}").fetchone()[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
