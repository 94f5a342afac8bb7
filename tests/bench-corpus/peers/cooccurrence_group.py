"""DuckDB peer of `cooccurrence --levels group --no-plots`: yearly cumulative group-pair statistics
(o, n_a, n_b, |P|, mu, var, z) for every year, and each patent's min / p10 / median pair z.

usage: python cooccurrence_group.py CPC_GLOB OUT_DIR      (prints the seconds it took, last line)

Written independently of the stage's SQL, from the definitions in the schemas README: a pair's o at
year t counts the patents of years <= t holding both groups; n the patents holding a group; mu =
n_a n_b / P and var = n_a (P - n_a) n_b (P - n_b) / (P^2 (P - 1)) with P the patents with codes of
years <= t; only pairs observed by t; a patent's features use the z of its pairs at its own year.
"""
import sys, time
import duckdb

cpc, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads = 2")
con.execute("SET enable_progress_bar = false")
start = time.time()
con.execute(f"""
CREATE TEMP TABLE codes AS
SELECT DISTINCT patent_id, cpc_group AS g, CAST(grant_year AS INTEGER) AS year
FROM read_parquet('{cpc}', hive_partitioning = true)""")
con.execute("""
CREATE TEMP TABLE years AS
WITH per_year AS (SELECT year, COUNT(DISTINCT patent_id) AS n FROM codes GROUP BY year),
     span AS (SELECT CAST(range AS INTEGER) AS year
              FROM range((SELECT MIN(year) FROM codes), (SELECT MAX(year) FROM codes) + 1))
SELECT s.year, CAST(SUM(COALESCE(p.n, 0)) OVER (ORDER BY s.year) AS BIGINT) AS patents
FROM span s LEFT JOIN per_year p USING (year)""")
con.execute("""
CREATE TEMP TABLE patent_pairs AS
SELECT a.patent_id, a.g AS code_a, b.g AS code_b, a.year
FROM codes a JOIN codes b ON a.patent_id = b.patent_id AND a.g < b.g""")
con.execute("""
CREATE TEMP TABLE counts AS
WITH inc AS (SELECT g, year, COUNT(*) AS n FROM codes GROUP BY ALL),
     first AS (SELECT g, MIN(year) AS first_year FROM inc GROUP BY g)
SELECT f.g, y.year, y.patents,
       CAST(SUM(COALESCE(i.n, 0)) OVER (PARTITION BY f.g ORDER BY y.year) AS BIGINT) AS n
FROM first f JOIN years y ON y.year >= f.first_year
LEFT JOIN inc i ON i.g = f.g AND i.year = y.year""")
con.execute("""
CREATE TEMP TABLE pair_stats AS
WITH inc AS (SELECT code_a, code_b, year, COUNT(*) AS o FROM patent_pairs GROUP BY ALL),
     first AS (SELECT code_a, code_b, MIN(year) AS first_year FROM inc GROUP BY ALL),
     cum AS (
       SELECT f.code_a, f.code_b, y.year,
              CAST(SUM(COALESCE(i.o, 0)) OVER (PARTITION BY f.code_a, f.code_b ORDER BY y.year) AS BIGINT) AS o
       FROM first f JOIN years y ON y.year >= f.first_year
       LEFT JOIN inc i ON i.code_a = f.code_a AND i.code_b = f.code_b AND i.year = y.year),
     moments AS (
       SELECT c.code_a, c.code_b, c.o, a.n AS n_a, b.n AS n_b, a.patents, c.year,
              CAST(a.n AS DOUBLE) * b.n / a.patents AS mu,
              CASE WHEN a.patents < 2 THEN 0.0
                   ELSE CAST(a.n * (a.patents - a.n) AS DOUBLE) * CAST(b.n * (b.patents - b.n) AS DOUBLE)
                        / (CAST(a.patents AS DOUBLE) * a.patents * (a.patents - 1.0)) END AS var
       FROM cum c
       JOIN counts a ON a.g = c.code_a AND a.year = c.year
       JOIN counts b ON b.g = c.code_b AND b.year = c.year)
SELECT code_a, code_b, o, mu, var, CASE WHEN var > 0 THEN (o - mu) / sqrt(var) END AS z,
       n_a, n_b, patents, year
FROM moments""")
con.execute(f"""
COPY (SELECT * FROM pair_stats ORDER BY year, code_a, code_b)
TO '{out}/cpc_pair_stats' (FORMAT parquet, PARTITION_BY (year), OVERWRITE_OR_IGNORE true)""")
con.execute(f"""
COPY (
  SELECT pp.patent_id, pp.year, COUNT(*) AS n_pairs, MIN(s.z) AS min_z,
         quantile_cont(s.z, 0.1) AS p10_z, quantile_cont(s.z, 0.5) AS median_z
  FROM patent_pairs pp
  JOIN pair_stats s ON s.code_a = pp.code_a AND s.code_b = pp.code_b AND s.year = pp.year
  GROUP BY pp.patent_id, pp.year
  ORDER BY pp.patent_id)
TO '{out}/patent_novelty.parquet' (FORMAT parquet)""")
print(time.time() - start)
