//! `pipeline tables`: every published table below a root (see [`stage_runtime::catalog`]) as an
//! aligned list with rows, bytes and location, or as DuckDB statements (`--duckdb`) that create one
//! view per table, `<output>.<table>`, over its published files, hive partition columns typed as
//! the catalogue declares them.

use arrow_schema::DataType;
use stage_runtime::S3Settings;
use stage_runtime::StoreLocation;
use stage_runtime::catalog::PublishedTable;
use stage_runtime::telemetry::human_bytes;

/// The list `pipeline tables` prints: one line per table.
pub fn render_list(root: &StoreLocation, tables: &[PublishedTable]) -> String {
    if tables.is_empty() {
        return format!("no published tables below {} (has the pipeline run there?)\n", root.url());
    }
    let rows: Vec<[String; 5]> = tables
        .iter()
        .map(|t| {
            [
                t.qualified_name(),
                t.entry.rows.to_string(),
                human_bytes(t.entry.bytes),
                t.entry.files.len().to_string(),
                t.location.url(),
            ]
        })
        .collect();
    let header = ["table", "rows", "bytes", "files", "location"];
    let width = |i: usize| rows.iter().map(|r| r[i].len()).chain([header[i].len()]).max().unwrap_or(0);
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: [&str; 5]| {
        let text = format!(
            "{:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        );
        format!("{}\n", text.trim_end())
    };
    let mut out = line(header);
    for r in &rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3], &r[4]]));
    }
    out
}

/// DuckDB statements creating a schema per output and a view per table. An empty table is one
/// 0-row file (below placeholder partition folders when partitioned), so every view reads. For an
/// S3 root the script first loads `httpfs` and creates a secret from the credential chain (the
/// endpoint and addressing style of this process's `AWS_*` settings; never credentials).
pub fn render_duckdb(root: &StoreLocation, tables: &[PublishedTable]) -> String {
    let mut out =
        format!("-- DuckDB views over the tables published below {} (pipeline tables --duckdb)\n", root.url());
    if root.base_url.scheme() == "s3" || root.base_url.scheme() == "s3a" {
        out.push_str(&s3_secret(&S3Settings::from_env()));
    }
    let mut schemas: Vec<&str> = tables.iter().map(|t| t.output.as_str()).collect();
    schemas.dedup();
    for schema in schemas {
        out.push_str(&format!("CREATE SCHEMA IF NOT EXISTS {};\n", quote_identifier(schema)));
    }
    for t in tables {
        out.push_str(&format!(
            "CREATE OR REPLACE VIEW {}.{} AS SELECT * FROM {};\n",
            quote_identifier(&t.output),
            quote_identifier(&t.name),
            read_parquet(t)
        ));
    }
    out
}

/// The `read_parquet(...)` call reading every file of `table`: a glob one folder deep per partition
/// column, with the partition columns' types.
fn read_parquet(table: &PublishedTable) -> String {
    let partitions = table.partition_columns();
    let folder = duckdb_path(&table.location);
    let glob = format!("{folder}{}*.parquet", "*/".repeat(partitions.len()));
    if partitions.is_empty() {
        return format!("read_parquet({}, hive_partitioning = false)", quote_string(&glob));
    }
    let types: Vec<String> =
        partitions.iter().map(|(name, t)| format!("{}: {}", quote_string(name), duckdb_type(t))).collect();
    format!("read_parquet({}, hive_partitioning = true, hive_types = {{{}}})", quote_string(&glob), types.join(", "))
}

/// A location as DuckDB names it: a plain path for local files, the URL otherwise.
fn duckdb_path(location: &StoreLocation) -> String {
    let url = location.url();
    match url.strip_prefix("file://") {
        Some(path) => path.to_string(),
        None => url,
    }
}

/// DuckDB's name of a partition column's type.
fn duckdb_type(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Int8 | DataType::Int16 | DataType::Int32 => "INTEGER",
        DataType::Int64 => "BIGINT",
        _ => "VARCHAR",
    }
}

fn s3_secret(s3: &S3Settings) -> String {
    let mut options = vec!["TYPE s3".to_string(), "PROVIDER credential_chain".to_string()];
    if let Some(endpoint) = &s3.endpoint {
        let host = endpoint.trim_start_matches("http://").trim_start_matches("https://").trim_end_matches('/');
        options.push(format!("ENDPOINT {}", quote_string(host)));
        options.push(format!("USE_SSL {}", !s3.allow_http));
    }
    if let Some(region) = &s3.region {
        options.push(format!("REGION {}", quote_string(region)));
    }
    let path_style = s3.virtual_hosted_style.map_or(s3.endpoint.is_some(), |virtual_hosted| !virtual_hosted);
    if path_style {
        options.push("URL_STYLE 'path'".into());
    }
    format!("INSTALL httpfs;\nLOAD httpfs;\nCREATE OR REPLACE SECRET pipeline_s3 ({});\n", options.join(", "))
}

fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quote_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_secrets_name_the_endpoint_and_addressing_but_no_credentials() {
        let moto = S3Settings {
            endpoint: Some("http://127.0.0.1:5000".into()),
            region: Some("us-east-1".into()),
            allow_http: true,
            virtual_hosted_style: None,
        };
        let secret = s3_secret(&moto);
        assert!(secret.contains("ENDPOINT '127.0.0.1:5000'"), "{secret}");
        assert!(secret.contains("USE_SSL false") && secret.contains("URL_STYLE 'path'"), "{secret}");
        let aws = s3_secret(&S3Settings::default());
        assert!(!aws.contains("ENDPOINT") && !aws.contains("URL_STYLE"), "{aws}");
        assert!(!secret.contains("KEY_ID") && !secret.contains("SECRET '"), "{secret}");
    }

    #[test]
    fn quoting_doubles_quotes() {
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_string("it's"), "'it''s'");
    }
}
