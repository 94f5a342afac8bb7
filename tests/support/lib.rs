//! Helpers shared by the end-to-end tests: locating the built stage binaries, running them, reading
//! published tables through DataFusion, publishing hand-built inputs as ingest would, and a loopback
//! S3 server (moto) for real-protocol tests.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::sync::Arc;

use arrow::array::Array;
use arrow::array::RecordBatch;
use arrow::util::display::array_value_to_string;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use schemas::Table;
use sql_engine::{register_published, session, write_table};
use stage_runtime::{EngineOptions, RunWriter, StoreLocation, new_manifest, read_published};

/// Publishes tables at `location` as stage `ingest` would: each `(table, sql)` is written through the
/// stage runtime (so the files match the catalogue) from a query over the in-memory `batches`,
/// registered under their names.
pub async fn publish_as_ingest(location: &StoreLocation, batches: Vec<(&str, RecordBatch)>, tables: &[(Table, &str)]) {
    publish_as("ingest", serde_json::Map::new(), location, batches, tables).await
}

/// Publishes tables at `location` as `stage` would, with manifest `metrics`; tables as in
/// [`publish_as_ingest`].
pub async fn publish_as(
    stage: &str,
    metrics: serde_json::Map<String, serde_json::Value>,
    location: &StoreLocation,
    batches: Vec<(&str, RecordBatch)>,
    tables: &[(Table, &str)],
) {
    let ctx = session(&EngineOptions::default(), &[location]).await.unwrap();
    for (name, batch) in batches {
        ctx.register_table(name, Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap())).unwrap();
    }
    let run = RunWriter::begin(location).await.unwrap();
    let mut manifest = new_manifest(stage, "test", None);
    manifest.metrics.extend(metrics);
    for &(table, sql) in tables {
        write_table(&ctx, sql, table.def(), &run.table(table)).await.unwrap();
        manifest.tables.insert(table.name().into(), run.describe_parquet(table.def()).await.unwrap());
    }
    run.publish(manifest).await.unwrap();
}

/// The repository root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// Path of a workspace binary: in the folder `PIPELINE_TEST_BINARIES` names (to run the tests
/// against another build, e.g. release binaries, or a copy kept apart from a rebuild), otherwise
/// the one built next to the running test (`target/<profile>/<name>`).
pub fn binary(name: &str) -> PathBuf {
    let dir = std::env::var_os("PIPELINE_TEST_BINARIES").map(PathBuf::from).unwrap_or_else(|| {
        let exe = std::env::current_exe().expect("test executable path");
        exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps").to_path_buf()
    });
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: run the tests with `bash tests/run.sh` (it builds all binaries first)",
        path.display()
    );
    path
}

/// Runs a stage binary to completion and panics with its output if it fails.
pub fn run_ok(name: &str, args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = Command::new(binary(name)).args(args).envs(envs.iter().copied()).output().expect("spawning stage");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{name} {args:?} failed:\n{text}");
    text
}

/// Runs a query and returns its rows as strings.
pub async fn query(ctx: &SessionContext, sql: &str) -> Vec<Vec<String>> {
    let batches = sql_engine::collect(ctx, sql).await.unwrap_or_else(|e| panic!("{sql}: {e:#}"));
    let mut rows = vec![];
    for b in batches {
        for r in 0..b.num_rows() {
            rows.push((0..b.num_columns()).map(|c| array_value_to_string(b.column(c), r).unwrap()).collect());
        }
    }
    rows
}

/// Checks the plot files a stage lists (paths relative to `dir`): each is a complete SVG document
/// or a PNG, and every plot comes as both.
pub fn assert_plots(dir: &std::path::Path, files: &[String]) {
    assert!(!files.is_empty(), "no plots listed");
    let mut stems = (std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
    for file in files {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        if let Some(stem) = file.strip_suffix(".svg") {
            let svg = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{file} is not UTF-8"));
            assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{file} is not an SVG document");
            stems.0.insert(stem.to_string());
        } else if let Some(stem) = file.strip_suffix(".png") {
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 1000, "{file} is not a PNG");
            stems.1.insert(stem.to_string());
        } else {
            panic!("{file} is neither an SVG nor a PNG");
        }
    }
    assert_eq!(stems.0, stems.1, "every plot as SVG and PNG");
}

/// A local path or URL as a location (S3 from this process's environment; see [`MotoServer::at`]).
pub fn at(location: &str) -> StoreLocation {
    StoreLocation::parse(location).unwrap_or_else(|e| panic!("{location}: {e:#}"))
}

/// A session with the given published tables of `output` registered.
pub async fn published_tables(output: &StoreLocation, tables: &[Table]) -> SessionContext {
    let ctx = SessionContext::new();
    for &t in tables {
        register_published(&ctx, output, t).await.unwrap();
    }
    ctx
}

/// Asserts that the outputs published at `a` and `b` hold the same tables with the same rows, in
/// any order: every non-float column equal, floats equal to 1e-9 relative (engines may add in
/// another order). Streams both sides sorted the same way (non-float columns first), one hive
/// partition at a time, through a spilling engine, so tables of tens of millions of rows compare in
/// bounded memory. Returns the rows compared per table.
pub async fn assert_same_outputs(a: &StoreLocation, b: &StoreLocation) -> Vec<(String, usize)> {
    let names: Vec<String> = published_table_names(a).await;
    assert_eq!(names, published_table_names(b).await, "{a:?} and {b:?} publish different tables");
    let mut compared = vec![];
    for name in names {
        let (table_a, table_b) = (PublishedTable::open(a, &name).await, PublishedTable::open(b, &name).await);
        let partitions = table_a.partitions().await;
        assert_eq!(partitions, table_b.partitions().await, "table {name}: different partitions in {a:?} and {b:?}");
        let mut count = 0;
        for filter in &partitions {
            let (mut rows_a, mut rows_b) = (table_a.sorted(filter).await, table_b.sorted(filter).await);
            loop {
                match (rows_a.next().await, rows_b.next().await) {
                    (None, None) => break,
                    (Some(ra), Some(rb)) => {
                        assert_eq!(ra.0, rb.0, "table {name}: rows differ between {a:?} and {b:?}");
                        for (x, y) in ra.1.iter().zip(&rb.1) {
                            let close =
                                (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
                            assert!(close, "table {name}: {x} != {y} in row {:?}", ra.0);
                        }
                        count += 1;
                    }
                    _ => panic!("table {name} ({filter}): row counts differ between {a:?} and {b:?}"),
                }
            }
        }
        compared.push((name, count));
    }
    compared
}

async fn published_table_names(output: &StoreLocation) -> Vec<String> {
    let published = read_published(output).await.unwrap().unwrap_or_else(|| panic!("nothing published at {output:?}"));
    published.tables.into_keys().collect()
}

/// One published table registered in a session of its own (a bounded, spilling pool: a sort too
/// large for it goes to disk).
struct PublishedTable {
    ctx: SessionContext,
    name: String,
    /// The hive partition columns with whether each is an integer.
    partition_by: Vec<(&'static str, bool)>,
    /// The sort of every comparison: the non-float columns, then the float ones.
    order: String,
}

impl PublishedTable {
    async fn open(output: &StoreLocation, name: &str) -> PublishedTable {
        let table = Table::from_name(name).unwrap_or_else(|| panic!("table {name} is not in the catalogue"));
        let options = EngineOptions { memory_limit: 2 << 30, target_partitions: Some(1), ..EngineOptions::default() };
        let ctx = session(&options, &[]).await.unwrap();
        register_published(&ctx, output, table).await.unwrap();
        let schema = ctx.table(name).await.unwrap().schema().as_arrow().clone();
        let partition_by = table
            .def()
            .partition_by
            .iter()
            .map(|&c| (c, schema.field_with_name(c).unwrap().data_type().is_integer()))
            .collect();
        let is_float = |f: &&Arc<arrow::datatypes::Field>| {
            matches!(f.data_type(), arrow::datatypes::DataType::Float32 | arrow::datatypes::DataType::Float64)
        };
        let order: Vec<String> = schema
            .fields()
            .iter()
            .filter(|f| !is_float(f))
            .chain(schema.fields().iter().filter(is_float))
            .map(|f| format!("\"{}\"", f.name()))
            .collect();
        PublishedTable { ctx, name: name.to_string(), partition_by, order: order.join(", ") }
    }

    /// A filter per hive partition (`"level" = 'group' AND "year" = 2005`), in order; `TRUE` for an
    /// unpartitioned table.
    async fn partitions(&self) -> Vec<String> {
        if self.partition_by.is_empty() {
            return vec!["TRUE".into()];
        }
        let columns: Vec<String> = self.partition_by.iter().map(|(c, _)| format!("\"{c}\"")).collect();
        let list = columns.join(", ");
        let values: Vec<String> = columns.iter().map(|c| format!("arrow_cast({c}, 'Utf8') AS {c}")).collect();
        let sql = format!("SELECT DISTINCT {} FROM {} ORDER BY {list}", values.join(", "), self.name);
        query(&self.ctx, &sql)
            .await
            .into_iter()
            .map(|values| {
                // Each value as a typed SQL literal, so the filter prunes files by partition.
                let terms: Vec<String> = self
                    .partition_by
                    .iter()
                    .zip(values)
                    .map(|(&(column, integer), value)| match integer {
                        true => format!("\"{column}\" = {value}"),
                        false => format!("\"{column}\" = '{}'", value.replace('\'', "''")),
                    })
                    .collect();
                terms.join(" AND ")
            })
            .collect()
    }

    /// The rows that pass `filter`, sorted by the non-float columns and then the float columns.
    async fn sorted(&self, filter: &str) -> SortedRows {
        let sql = format!("SELECT * FROM {} WHERE {filter} ORDER BY {}", self.name, self.order);
        let stream = sql_engine::stream(&self.ctx, &sql).await.unwrap();
        SortedRows { stream, batch: None }
    }
}

/// The rows of one query, one at a time: the non-float values as text, the float values as numbers.
struct SortedRows {
    stream: datafusion::physical_plan::SendableRecordBatchStream,
    /// The current batch's columns (floats cast to f64) and the next row in it.
    batch: Option<(Vec<Column>, usize, usize)>,
}

/// One column of a batch: text to compare exactly, or a float to compare within tolerance.
enum Column {
    Text(arrow::array::ArrayRef),
    Float(arrow::array::Float64Array),
}

impl SortedRows {
    /// The next row, or `None` at the end.
    async fn next(&mut self) -> Option<(Vec<String>, Vec<f64>)> {
        use arrow::array::AsArray;
        use arrow::datatypes::{DataType, Float64Type};
        use futures::StreamExt;
        loop {
            if let Some((columns, row, rows)) = &mut self.batch
                && *row < *rows
            {
                let r = *row;
                *row += 1;
                let (mut text, mut numbers) = (vec![], vec![]);
                for column in columns.iter() {
                    match column {
                        Column::Float(f) if f.is_null(r) => text.push("NULL".into()),
                        Column::Float(f) => {
                            text.push("float".into());
                            numbers.push(f.value(r));
                        }
                        Column::Text(c) => text.push(array_value_to_string(c, r).unwrap()),
                    }
                }
                return Some((text, numbers));
            }
            let batch = self.stream.next().await?.unwrap();
            let columns = batch
                .columns()
                .iter()
                .map(|c| match c.data_type() {
                    DataType::Float32 | DataType::Float64 => Column::Float(
                        arrow::compute::cast(c, &DataType::Float64).unwrap().as_primitive::<Float64Type>().clone(),
                    ),
                    _ => Column::Text(c.clone()),
                })
                .collect();
            self.batch = Some((columns, 0, batch.num_rows()));
        }
    }
}

/// Waits up to `timeout` for `ready`, polling; panics naming `what` if it never is.
pub fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(Instant::now() < deadline, "{what} did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A free loopback TCP port (bound and released; another process may take it in between).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A moto S3 server on a free loopback port, stopped on drop.
pub struct MotoServer {
    child: Child,
    pub endpoint: String,
}

impl MotoServer {
    /// Starts `moto_server` (installed into `.venv` by `tests/run.sh`, or named by `MOTO_SERVER`).
    pub fn start() -> MotoServer {
        let program = std::env::var("MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|_| workspace_root().join(".venv/bin/moto_server"));
        assert!(
            program.exists(),
            "{} not found: run the tests with `bash tests/run.sh`, which installs moto",
            program.display()
        );
        let port = free_port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting moto_server");
        let endpoint = format!("http://127.0.0.1:{port}");
        let server = MotoServer { child, endpoint };
        wait_for(&format!("moto_server on port {port}"), Duration::from_secs(30), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        server
    }

    /// Starts a server with `bucket` created.
    pub fn with_bucket(bucket: &str) -> MotoServer {
        let server = MotoServer::start();
        server.create_bucket(bucket);
        server
    }

    /// Creates a bucket (S3 `CreateBucket`, a plain `PUT /bucket`).
    pub fn create_bucket(&self, bucket: &str) {
        use std::io::{Read, Write};
        let host = self.endpoint.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(host).unwrap();
        write!(stream, "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "CreateBucket failed: {reply}");
    }

    /// Environment for a stage process talking to this server (pass it to [`run_ok`]); the test
    /// process's own environment stays untouched, so tests with servers of their own run in parallel.
    pub fn vars(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", MOTO_SECRET),
            ("AWS_REGION", "us-east-1"),
        ]
    }

    /// `url` on this server, resolved with [`MotoServer::vars`].
    pub fn at(&self, url: &str) -> StoreLocation {
        StoreLocation::parse_with_vars(url, &self.vars()).unwrap()
    }
}

/// The secret key the tests give moto; no log may show it.
pub const MOTO_SECRET: &str = "moto-secret-never-logged";

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
