//! Running pipelines of small shell-script stages on a local store: order, parallelism, skipping,
//! reruns after a change, failure and resume, and the `pipeline` command itself.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use pipeline::plan::{self, Decision};
use pipeline::record::{self, RunStatus};
use pipeline::{LoadOptions, Outcome, Pipeline, RunOptions, RunSummary};
use stage_runtime::StoreLocation;

/// A test stage: takes the runner's `--input`/`--output`, then `--name`, `--log FILE` (appends
/// `name start_ns end_ns inputs...`), `--sleep SECONDS`, `--fail-if FILE` (exit 3 while FILE exists),
/// `--say TEXT` (a line on stdout); publishes a minimal `_published.json` with the runner's fingerprint.
const STAGE_SH: &str = r#"#!/bin/sh
set -e
out=""; name=""; log=""; sleep_s=0; fail_if=""; inputs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --output) out="$2"; shift 2 ;;
    --input) inputs="$inputs $2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --log) log="$2"; shift 2 ;;
    --sleep) sleep_s="$2"; shift 2 ;;
    --fail-if) fail_if="$2"; shift 2 ;;
    --say) echo "$2"; shift 2 ;;
    *) shift ;;
  esac
done
start=$(date +%s%N)
[ "$sleep_s" = 0 ] || sleep "$sleep_s"
if [ -n "$fail_if" ] && [ -e "$fail_if" ]; then echo "failing on demand" >&2; exit 3; fi
end=$(date +%s%N)
dir="${out#file://}"
mkdir -p "$dir"
run_id="$end-$$"
cat > "$dir/_published.json" <<JSON
{"format_version":1,"stage":"$name","stage_version":"0","run_id":"$run_id","run_prefix":"runs/$run_id",
 "published_at":"2025-01-01T00:00:00Z","fingerprint":"$PIPELINE_FINGERPRINT","inputs":[],
 "tables":{"t":{"format":"tsv","schema_version":null,"partition_by":[],"rows":3,"bytes":10,"files":[]}},"metrics":{"peak_memory_bytes":3670016}}
JSON
[ -z "$log" ] || echo "$name $start $end$inputs" >> "$log"
"#;

/// One invocation of the test stage, from its log line.
#[derive(Debug)]
struct StageRun {
    name: String,
    start: u128,
    end: u128,
    inputs: Vec<String>,
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("stage.sh");
        std::fs::write(&script, STAGE_SH).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Fixture { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn root(&self) -> StoreLocation {
        StoreLocation::parse(&self.path("data").display().to_string()).unwrap()
    }

    /// A `[[stage]]` running the test stage, with output `<name>_out`.
    fn stage(&self, name: &str, inputs: &[&str], extra: &[&str]) -> String {
        let log = self.path("runs.log").display().to_string();
        let mut args = vec!["--name", name, "--log", &log];
        args.extend(extra);
        format!(
            "[[stage]]\nname = \"{name}\"\nbinary = \"./stage.sh\"\ninputs = {inputs:?}\noutput = \"{name}_out\"\nargs = {args:?}\n\n"
        )
    }

    fn write_manifest(&self, stages: &[String]) -> PathBuf {
        let path = self.path("pipeline.toml");
        std::fs::write(&path, format!("root = \"{}\"\n\n{}", self.path("data").display(), stages.concat())).unwrap();
        path
    }

    fn load(&self) -> Pipeline {
        Pipeline::load(&self.path("pipeline.toml"), &LoadOptions { root: None, require_binaries: true }).unwrap()
    }

    async fn run(&self, jobs: usize, force: &[&str]) -> RunSummary {
        let options = RunOptions {
            jobs,
            force: force.iter().map(|s| s.to_string()).collect(),
            progress_every: Duration::from_millis(300),
            ..RunOptions::default()
        };
        pipeline::run(&self.load(), &options).await.unwrap()
    }

    fn runs(&self) -> Vec<StageRun> {
        let text = std::fs::read_to_string(self.path("runs.log")).unwrap_or_default();
        text.lines()
            .map(|line| {
                let mut parts = line.split_whitespace();
                StageRun {
                    name: parts.next().unwrap().to_string(),
                    start: parts.next().unwrap().parse().unwrap(),
                    end: parts.next().unwrap().parse().unwrap(),
                    inputs: parts.map(str::to_string).collect(),
                }
            })
            .collect()
    }

    fn run_count(&self, name: &str) -> usize {
        self.runs().iter().filter(|r| r.name == name).count()
    }

    async fn plan(&self) -> Vec<(String, String)> {
        plan::plan(&self.load()).await.into_iter().map(|e| (e.stage.clone(), e.to_string())).collect()
    }
}

fn kinds(summary: &RunSummary) -> Vec<(&str, &'static str)> {
    summary
        .outcomes
        .iter()
        .map(|(name, o)| {
            let kind = match o {
                Outcome::Succeeded { .. } => "ran",
                Outcome::Skipped { .. } => "skipped",
                Outcome::Failed { .. } => "failed",
                Outcome::NotRun { .. } => "not run",
            };
            (name.as_str(), kind)
        })
        .collect()
}

#[tokio::test]
async fn runs_in_topological_order_passing_inputs() {
    let f = Fixture::new();
    // Listed downstream first: the order must come from the inputs.
    f.write_manifest(&[f.stage("c", &["b_out"], &[]), f.stage("b", &["a_out"], &[]), f.stage("a", &[], &[])]);
    let pipeline = f.load();
    assert_eq!(pipeline.stages.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);

    let summary = f.run(4, &[]).await;
    assert!(summary.success(), "{}", summary.render());
    let runs = f.runs();
    assert_eq!(runs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
    assert!(runs[1].start >= runs[0].end && runs[2].start >= runs[1].end, "{runs:?}");
    assert_eq!(runs[1].inputs, [f.root().child("a_out").url()]);
    assert_eq!(runs[2].inputs, [f.root().child("b_out").url()]);

    // The stage published the fingerprint the runner recorded for the run.
    for stage in &pipeline.stages {
        let published = plan::published(stage).await.unwrap().unwrap();
        let record = record::read(&pipeline.root, &stage.name).await.unwrap().unwrap();
        assert_eq!(record.status, RunStatus::Succeeded);
        assert_eq!(record.exit_code, Some(0));
        assert_eq!(published.fingerprint, record.fingerprint.map(|f| f.value));
    }
}

#[tokio::test]
async fn independent_stages_run_in_parallel_up_to_jobs() {
    let f = Fixture::new();
    f.write_manifest(&[f.stage("a", &[], &["--sleep", "1"]), f.stage("b", &[], &["--sleep", "1"])]);
    let overlap = |runs: &[StageRun]| runs[0].start < runs[1].end && runs[1].start < runs[0].end;

    let summary = f.run(2, &[]).await;
    assert!(summary.success(), "{}", summary.render());
    let runs = f.runs();
    assert_eq!(runs.len(), 2);
    assert!(overlap(&runs), "with 2 jobs the stages should overlap: {runs:?}");

    // Forced reruns with one job at a time: one after the other.
    let summary = f.run(1, &["a", "b"]).await;
    assert_eq!(kinds(&summary), [("a", "ran"), ("b", "ran")]);
    let runs = f.runs();
    assert_eq!(runs.len(), 4);
    assert!(!overlap(&runs[2..]), "with 1 job the stages should not overlap: {runs:?}");
}

#[tokio::test]
async fn a_second_run_skips_everything() {
    let f = Fixture::new();
    f.write_manifest(&[f.stage("a", &[], &[]), f.stage("b", &["a_out"], &[])]);
    assert_eq!(
        f.plan().await,
        [("a".into(), "run (no published output)".into()), ("b".into(), "run (no published output)".into())]
    );
    assert_eq!(kinds(&f.run(2, &[]).await), [("a", "ran"), ("b", "ran")]);

    let summary = f.run(2, &[]).await;
    assert_eq!(kinds(&summary), [("a", "skipped"), ("b", "skipped")]);
    assert!(summary.success());
    assert_eq!(f.runs().len(), 2);
    for (stage, line) in f.plan().await {
        assert!(line.starts_with("skip (up to date: fingerprint "), "{stage}: {line}");
    }
}

#[tokio::test]
async fn changed_args_rerun_the_stage_and_its_dependents_only() {
    let f = Fixture::new();
    let manifest = |a_extra: &[&str]| {
        f.write_manifest(&[f.stage("a", &[], a_extra), f.stage("b", &["a_out"], &[]), f.stage("c", &[], &[])]);
    };
    manifest(&[]);
    assert!(f.run(3, &[]).await.success());

    manifest(&["--level", "2"]);
    let plan = f.plan().await;
    assert_eq!(plan[0], ("a".into(), "run (args/env/locations changed)".into()));
    assert_eq!(plan[1], ("b".into(), "run (upstream a will run)".into()));
    assert!(plan[2].0 == "c" && plan[2].1.starts_with("skip (up to date: fingerprint "), "{plan:?}");

    let summary = f.run(3, &[]).await;
    assert_eq!(kinds(&summary), [("a", "ran"), ("b", "ran"), ("c", "skipped")]);
    assert_eq!((f.run_count("a"), f.run_count("b"), f.run_count("c")), (2, 2, 1));
}

#[tokio::test]
async fn a_change_in_an_external_folder_reruns_its_readers() {
    let f = Fixture::new();
    std::fs::create_dir(f.path("dumps")).unwrap();
    std::fs::write(f.path("dumps/patent.tsv"), "id\n1\n").unwrap();
    let manifest = f.write_manifest(&[f.stage("a", &["dumps"], &[]), f.stage("b", &[], &[])]);
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{text}[external]\ndumps = \"{}\"\n", f.path("dumps").display())).unwrap();

    assert!(f.run(2, &[]).await.success());
    assert_eq!(kinds(&f.run(2, &[]).await), [("a", "skipped"), ("b", "skipped")]);

    std::fs::write(f.path("dumps/inventor.tsv"), "id\n7\n").unwrap();
    let plan = f.plan().await;
    assert!(plan[0].1.starts_with("run (input dumps changed (files:"), "{plan:?}");
    assert_eq!(kinds(&f.run(2, &[]).await), [("a", "ran"), ("b", "skipped")]);
}

#[tokio::test]
async fn a_failure_stops_dependents_and_a_later_run_resumes() {
    let f = Fixture::new();
    let fail = f.path("fail-b");
    let fail_arg = fail.display().to_string();
    f.write_manifest(&[
        f.stage("a", &[], &[]),
        f.stage("b", &["a_out"], &["--fail-if", &fail_arg]),
        f.stage("c", &[], &["--sleep", "0.3"]),
        f.stage("d", &["b_out"], &[]),
    ]);
    std::fs::write(&fail, "").unwrap();

    let summary = f.run(4, &[]).await;
    assert!(!summary.success());
    assert_eq!(kinds(&summary), [("a", "ran"), ("b", "failed"), ("c", "ran"), ("d", "not run")]);
    let Some(Outcome::Failed { error, log, .. }) = summary.outcome("b") else { unreachable!() };
    assert_eq!(error, "exit code 3");
    assert_eq!(summary.outcome("d"), Some(&Outcome::NotRun { reason: "upstream b failed".into() }));
    let rendered = summary.render();
    assert!(
        rendered.contains("b: failed: exit code 3") && rendered.contains("d: not run: upstream b failed"),
        "{rendered}"
    );

    let pipeline = f.load();
    let record = record::read(&pipeline.root, "b").await.unwrap().unwrap();
    assert_eq!((record.status, record.exit_code), (RunStatus::Failed, Some(3)));
    assert_eq!(&record.log, log);
    let log_text = std::fs::read_to_string(log.strip_prefix("file://").unwrap()).unwrap();
    assert!(log_text.contains("failing on demand") && log_text.contains("# command: "), "{log_text}");
    let status = pipeline::status::render(&pipeline, &pipeline::status::collect(&pipeline).await.unwrap());
    assert!(status.contains("last run   failed, started"), "{status}");

    std::fs::remove_file(&fail).unwrap();
    let summary = f.run(4, &[]).await;
    assert!(summary.success(), "{}", summary.render());
    assert_eq!(kinds(&summary), [("a", "skipped"), ("b", "ran"), ("c", "skipped"), ("d", "ran")]);
    assert_eq!(record::read(&pipeline.root, "b").await.unwrap().unwrap().status, RunStatus::Succeeded);

    // `pipeline status --table`: one row per stage, its wall time from the run record and the
    // peak memory (3.5 MiB), rows and bytes its manifest publishes.
    let statuses = pipeline::status::collect(&pipeline).await.unwrap();
    let table = pipeline::status::render_table(&statuses);
    let rows: Vec<Vec<&str>> =
        table.lines().skip(2).map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect()).collect();
    assert_eq!(rows.iter().map(|r| r[0]).collect::<Vec<_>>(), ["a", "b", "c", "d"], "{table}");
    for (row, status) in rows.iter().zip(&statuses) {
        let wall = status.last_run.as_ref().unwrap().duration_s.unwrap();
        assert_eq!(row[1..], [format!("{wall:.1} s").as_str(), "3.5 MiB", "3", "10 B"], "{table}");
    }
}

#[tokio::test]
async fn forcing_an_unknown_stage_is_an_error() {
    let f = Fixture::new();
    f.write_manifest(&[f.stage("a", &[], &[])]);
    let options = RunOptions { force: vec!["nope".into()], ..RunOptions::default() };
    let err = pipeline::run(&f.load(), &options).await.unwrap_err().to_string();
    assert_eq!(err, "--force names unknown stage `nope` (stages: a)");
    assert!(matches!(plan::plan(&f.load()).await[0].decision, Ok(Decision::Run { .. })));
}

fn pipeline_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pipeline"));
    cmd.args(args).env_remove("PIPELINE_ROOT");
    cmd
}

#[test]
fn the_command_streams_prefixed_output_keeps_logs_and_reports() {
    let f = Fixture::new();
    let manifest = f.write_manifest(&[f.stage("a", &[], &["--say", "hello from a"])]);
    let manifest = manifest.to_str().unwrap();

    let out = pipeline_cmd(&["run", manifest]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("[a] hello from a\n"), "{stdout}");
    assert!(stderr.contains("stage start stage=a reason=no published output"), "{stderr}");
    assert!(stderr.contains("stage done stage=a secs=") && stderr.contains("done=1 total=1"), "{stderr}");
    let log = std::fs::read_to_string(f.path("data/_pipeline/logs/a.log")).unwrap();
    assert!(log.contains("\nhello from a\n"), "{log}");

    // As JSON, the runner's events are objects with their fields, and the stage's lines pass unprefixed.
    let out = pipeline_cmd(&["run", manifest, "--force", "a"]).env("PIPELINE_LOG_FORMAT", "json").output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.lines().any(|l| l == "hello from a"), "{stdout}");
    let events: Vec<serde_json::Value> = stderr.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let event = |message: &str| events.iter().find(|e| e["message"] == message).cloned();
    let start = event("stage start").unwrap_or_else(|| panic!("no start event in {stderr}"));
    assert_eq!((start["stage"].as_str(), start["reason"].as_str()), (Some("a"), Some("forced")), "{start}");
    let done = event("stage done").unwrap_or_else(|| panic!("no done event in {stderr}"));
    assert_eq!((done["done"].as_u64(), done["total"].as_u64()), (Some(1), Some(1)), "{done}");
    assert!(done["secs"].as_f64().is_some_and(|s| s >= 0.0), "{done}");

    let out = pipeline_cmd(&["plan", manifest]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("a  skip (up to date: fingerprint ") && stdout.contains("1 stages: 0 to run, 1 up to date"),
        "{stdout}"
    );

    // --root moves the datasets: nothing is published there yet.
    let elsewhere = f.path("elsewhere").display().to_string();
    let out = pipeline_cmd(&["plan", manifest, "--root", &elsewhere]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("a  run (no published output)"));

    let out = pipeline_cmd(&["status", manifest]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("last run   succeeded, started") && stdout.contains("exit code 0"), "{stdout}");
    assert!(stdout.contains("t: 3 rows, 0 files, 10 bytes (tsv)"), "{stdout}");
}

#[test]
fn the_command_fails_clearly() {
    let f = Fixture::new();
    std::fs::write(f.path("fail"), "").unwrap();
    let fail = f.path("fail").display().to_string();
    let manifest = f.write_manifest(&[f.stage("a", &[], &["--fail-if", &fail]), f.stage("b", &["a_out"], &[])]);
    let out = pipeline_cmd(&["run", manifest.to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("[a] failing on demand"), "{stderr}");
    assert!(
        stderr.contains("pipeline FAILED after") && stderr.contains("0 ran, 0 up to date, 1 failed, 1 not run"),
        "{stderr}"
    );
    assert!(
        stderr.contains("  a: failed: exit code 3 (log: file://") && stderr.contains("  b: not run: upstream a failed"),
        "{stderr}"
    );

    std::fs::write(manifest, f.stage("a", &["nothing"], &[])).unwrap();
    let out = pipeline_cmd(&["run", f.path("pipeline.toml").to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stage a: unknown input `nothing` (known datasets: a_out)"));
}

#[tokio::test]
async fn a_stage_past_its_timeout_is_killed_and_recorded_failed() {
    let f = Fixture::new();
    let slow = f.stage("slow", &[], &["--sleep", "30"]);
    f.write_manifest(&[format!("{}\ntimeout = \"1s\"\n\n", slow.trim_end()), f.stage("after", &["slow_out"], &[])]);
    let began = Instant::now();
    let summary = f.run(2, &[]).await;
    assert!(began.elapsed() < Duration::from_secs(20), "not killed at its timeout: {:?}", began.elapsed());
    assert_eq!(kinds(&summary), [("slow", "failed"), ("after", "not run")]);
    let record = record::read(&f.root(), "slow").await.unwrap().unwrap();
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(record.error.as_deref(), Some("timed out after 1s: killed by the pipeline"));
    assert_eq!(f.run_count("slow"), 0, "the stage never reached its end");
    assert!(!f.path("data/slow_out/_published.json").exists(), "nothing published");
}

#[test]
fn an_interrupt_kills_running_stages_and_records_them_failed() {
    let f = Fixture::new();
    let started = f.path("started");
    let script = f.path("slow.sh");
    std::fs::write(&script, format!("#!/bin/sh\ntouch {}\nexec sleep 30\n", started.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let manifest = f.write_manifest(&[
        "[[stage]]\nname = \"slow\"\nbinary = \"./slow.sh\"\noutput = \"slow_out\"\n\n".to_string(),
        f.stage("after", &["slow_out"], &[]),
    ]);

    let began = Instant::now();
    let mut child = pipeline_cmd(&["run", manifest.to_str().unwrap()]).spawn().unwrap();
    wait_for(&started, Duration::from_secs(20));
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(began.elapsed() < Duration::from_secs(25), "pipeline did not stop after SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(130));

    let root = f.root();
    let record = tokio::runtime::Runtime::new().unwrap().block_on(record::read(&root, "slow")).unwrap().unwrap();
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(record.error.as_deref(), Some("interrupted: killed by the pipeline"));
    assert_eq!(f.run_count("after"), 0);
}

fn wait_for(path: &Path, limit: Duration) {
    let began = Instant::now();
    while !path.exists() {
        assert!(began.elapsed() < limit, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_runner_on_the_same_root_is_refused_while_the_first_completes() {
    let f = Fixture::new();
    let manifest = f.write_manifest(&[f.stage("a", &[], &["--sleep", "3"])]);
    let manifest = manifest.to_str().unwrap();
    let lease = f.path("data/_pipeline/_lease.json");

    let mut first = pipeline_cmd(&["run", manifest]).stderr(std::process::Stdio::piped()).spawn().unwrap();
    wait_for(&lease, Duration::from_secs(20));
    let second = pipeline_cmd(&["run", manifest]).output().unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is being written by run pipeline-") && stderr.contains(&format!("process {}", first.id())),
        "the refusal names the holder: {stderr}"
    );
    assert!(stderr.contains("PIPELINE_LEASE_WAIT") && stderr.contains("PIPELINE_LEASE_BREAK"), "{stderr}");

    // A third, told to wait, starts once the first is done and finds everything up to date.
    let third = pipeline_cmd(&["run", manifest, "--wait-lease", "60s"]).output().unwrap();
    assert!(first.wait().unwrap().success());
    let third_err = String::from_utf8_lossy(&third.stderr);
    assert!(third.status.success() && third_err.contains("0 ran, 1 up to date"), "{third_err}");
    assert_eq!(f.run_count("a"), 1, "the refused and the waiting runner ran nothing");
    assert!(!lease.exists(), "the lease is released when the run ends");
}
