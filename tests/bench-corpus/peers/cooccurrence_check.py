"""Checks that the stage's group-level output and the DuckDB peer's hold the same rows: every pair
and year in both with equal o, n_a, n_b and |P|, mu, var and z equal to 1e-9 relative, and the same
min / p10 / median z for every patent with pairs. Prints one JSON line of counts; exits 1 on a
difference.

usage: python cooccurrence_check.py STAGE_RUN_DIR PEER_DIR
"""
import json, os, sys
import duckdb

stage, peer = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads = 2")
con.execute("SET enable_progress_bar = false")
close = lambda c: f"(abs(s.{c} - p.{c}) > 1e-9 * greatest(abs(p.{c}), 1e-300) OR (s.{c} IS NULL) <> (p.{c} IS NULL))"
# One year at a time: a full join of every year at once (170 M rows at 1 M patents) spilled more
# than 35 GB.
stage_years = sorted(int(d.split("=")[1]) for d in os.listdir(f"{stage}/cpc_pair_stats/level=group"))
peer_years = sorted(int(d.split("=")[1]) for d in os.listdir(f"{peer}/cpc_pair_stats"))
pairs = [0, 0, 0 if stage_years == peer_years else 1]
for year in stage_years:
    counts = con.execute(f"""
WITH s AS (SELECT * FROM read_parquet('{stage}/cpc_pair_stats/level=group/year={year}/*.parquet')),
     p AS (SELECT * FROM read_parquet('{peer}/cpc_pair_stats/year={year}/*.parquet'))
SELECT (SELECT COUNT(*) FROM s), (SELECT COUNT(*) FROM p),
       COUNT(*) FILTER (WHERE s.code_a IS NULL OR p.code_a IS NULL
                        OR s.o <> p.o OR s.n_a <> p.n_a OR s.n_b <> p.n_b OR s.patents <> p.patents
                        OR {close('mu')} OR {close('var')} OR {close('z')})
FROM s FULL JOIN p ON s.code_a = p.code_a AND s.code_b = p.code_b
""").fetchone()
    pairs = [a + b for a, b in zip(pairs, counts)]
patents = con.execute(f"""
WITH s AS (SELECT * FROM read_parquet('{stage}/patent_novelty/level=group/*.parquet') WHERE n_pairs > 0),
     p AS (SELECT * FROM read_parquet('{peer}/patent_novelty.parquet'))
SELECT (SELECT COUNT(*) FROM s), (SELECT COUNT(*) FROM p),
       COUNT(*) FILTER (WHERE s.patent_id IS NULL OR p.patent_id IS NULL OR s.n_pairs <> p.n_pairs
                        OR {close('min_z')} OR {close('p10_z')} OR {close('median_z')})
FROM s FULL JOIN p ON s.patent_id = p.patent_id
""").fetchone()
result = {"stage_pair_rows": pairs[0], "peer_pair_rows": pairs[1], "pair_differences": pairs[2],
          "stage_patents_with_pairs": patents[0], "peer_patents": patents[1], "patent_differences": patents[2]}
print(json.dumps(result))
sys.exit(1 if pairs[2] or patents[2] or pairs[0] != pairs[1] or patents[0] != patents[1] else 0)
