"""DuckDB peer of `ingest` on plain TSV: the dump tables read with types, patents joined with their
first application, cpc / citations / claims joined to their patent's grant year (rows without a
patent dropped), each table sorted by grant year and its key and written as Parquet partitioned by
grant year, as ingest lays them out.

usage: python ingest.py TSV_DIR OUT_DIR
Prints the rows of each table as one JSON line, then the seconds it took (last line).
"""
import json, sys, time
import duckdb

src, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads = 2")
con.execute("SET enable_progress_bar = false")


def tsv(files, types):
    return (f"read_csv('{src}/{files}', delim='\t', quote='\"', escape='\"', header = true, "
            f"auto_detect = false, columns = {types})")


V, I, D = "VARCHAR", "INTEGER", "DATE"
patent = tsv("g_patent.tsv", {"patent_id": V, "patent_type": V, "patent_date": D, "patent_title": V,
                               "wipo_kind": V, "num_claims": I, "withdrawn": I, "filename": V})
application = tsv("g_application.tsv", {"application_id": V, "patent_id": V, "patent_application_type": V,
                                         "filing_date": D, "series_code": V, "rule_47_flag": I})
cpc = tsv("g_cpc_current.tsv", {"patent_id": V, "cpc_sequence": I, "cpc_section": V, "cpc_class": V,
                                "cpc_subclass": V, "cpc_group": V, "cpc_type": V})
citation = tsv("g_us_patent_citation.tsv", {"patent_id": V, "citation_sequence": I, "citation_patent_id": V,
                                            "citation_date": D, "record_name": V, "wipo_kind": V,
                                            "citation_category": V})
claims = tsv("g_claims_*.tsv", {"patent_id": V, "claim_sequence": I, "claim_text": V, "dependent": V,
                                "claim_number": V, "exemplary": I})

start = time.time()
con.execute(f"""
CREATE TEMP TABLE patents AS
SELECT p.patent_id, p.patent_type, p.patent_date AS grant_date, a.filing_date,
       CAST(year(a.filing_date) AS INTEGER) AS filing_year, a.application_id, p.patent_title AS title,
       p.wipo_kind, p.num_claims, p.withdrawn = 1 AS withdrawn, CAST(year(p.patent_date) AS INTEGER) AS grant_year
FROM {patent} p
LEFT JOIN (SELECT DISTINCT ON (patent_id) * FROM {application}) a ON a.patent_id = p.patent_id""")


def copy(name, query):
    con.execute(f"COPY ({query}) TO '{out}/{name}' (FORMAT parquet, PARTITION_BY (grant_year), OVERWRITE_OR_IGNORE true)")


copy("patents", "SELECT * FROM patents ORDER BY grant_year, patent_id")
copy("cpc", f"""SELECT c.patent_id, c.cpc_sequence, c.cpc_section, c.cpc_class, c.cpc_subclass, c.cpc_group,
                       regexp_replace(c.cpc_group, '/.*', '/00') AS cpc_main_group, c.cpc_type, p.grant_year
                FROM {cpc} c JOIN patents p ON p.patent_id = c.patent_id
                ORDER BY p.grant_year, c.patent_id, c.cpc_sequence""")
copy("citations", f"""SELECT c.patent_id, c.citation_sequence, c.citation_patent_id AS cited_patent_id,
                             c.citation_date, c.citation_category, p.grant_year
                      FROM {citation} c JOIN patents p ON p.patent_id = c.patent_id
                      ORDER BY p.grant_year, c.patent_id, c.citation_sequence""")
copy("claims", f"""SELECT c.patent_id, c.claim_sequence, c.claim_number, c.claim_text, c.dependent,
                          c.exemplary = 1 AS exemplary, p.grant_year
                   FROM {claims} c JOIN patents p ON p.patent_id = c.patent_id
                   ORDER BY p.grant_year, c.patent_id, c.claim_sequence""")
seconds = time.time() - start
rows = {t: con.execute(f"SELECT COUNT(*) FROM read_parquet('{out}/{t}/*/*.parquet')").fetchone()[0]
        for t in ["patents", "cpc", "citations", "claims"]}
print(json.dumps(rows))
print(seconds)
