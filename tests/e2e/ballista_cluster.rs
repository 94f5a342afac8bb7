//! The SQL stages on a Ballista cluster of project-built processes on 127.0.0.1 (one
//! `pipeline-scheduler`, two `pipeline-executor`s with their own ports, health ports included),
//! reading and writing S3 (moto). The executors are started with S3 credentials but without the
//! endpoint: they can reach moto only through the settings the client sends as session options.
//! Outputs must equal the local engine's, and both executors must have run tasks.

use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

use pipeline_tests::{MOTO_SECRET, MotoServer, assert_same_outputs, at, binary, free_port, run_ok, wait_for};

/// How long a server may take to come up.
const STARTUP: Duration = Duration::from_secs(60);

/// Child processes killed on drop, so a failing test leaves no servers behind.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts a server process with the credentials of `s3` but without its endpoint, logging at info
/// (the stage binaries' default hides Ballista's per-task lines) to `log`.
fn spawn(name: &str, args: &[String], s3: &[(&str, &str)], log: &Path) -> Child {
    let log = std::fs::File::create(log).unwrap();
    Command::new(binary(name))
        .args(args)
        .envs(s3.iter().copied().filter(|(k, _)| *k != "AWS_ENDPOINT_URL"))
        .env_remove("AWS_ENDPOINT_URL")
        .env("RUST_LOG", "info")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {name}: {e}"))
}

/// GET `path` on a loopback port; the status line, or `None` while nothing answers.
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    reply.lines().next().map(str::to_string)
}

#[test]
fn sql_stages_on_a_scheduler_and_two_executors_equal_the_local_engine() {
    let moto = MotoServer::with_bucket("cluster");
    let s3 = moto.vars();
    let tmp = tempfile::tempdir().unwrap();

    let scheduler_port = free_port();
    let mut processes = Processes(vec![spawn(
        "pipeline-scheduler",
        &["--bind-host", "127.0.0.1", "--external-host", "127.0.0.1", "--bind-port", &scheduler_port.to_string()]
            .map(String::from),
        &s3,
        &tmp.path().join("scheduler.log"),
    )]);
    wait_for("the scheduler", STARTUP, || std::net::TcpStream::connect(("127.0.0.1", scheduler_port)).is_ok());
    let mut health_ports = vec![];
    for executor in ["executor-1", "executor-2"] {
        let [flight, grpc, health] = [free_port(), free_port(), free_port()];
        let work = tmp.path().join(executor);
        std::fs::create_dir(&work).unwrap();
        let args = [
            "--scheduler-host",
            "127.0.0.1",
            "--scheduler-port",
            &scheduler_port.to_string(),
            "--bind-host",
            "127.0.0.1",
            "--external-host",
            "127.0.0.1",
            "--bind-port",
            &flight.to_string(),
            "--bind-grpc-port",
            &grpc.to_string(),
            "--bind-health-port",
            &health.to_string(),
            "--work-dir",
            work.to_str().unwrap(),
            "--vcores",
            "2",
        ]
        .map(String::from);
        processes.0.push(spawn("pipeline-executor", &args, &s3, &tmp.path().join(format!("{executor}.log"))));
        health_ports.push(health);
    }
    for &port in &health_ports {
        wait_for("an executor's health endpoint", STARTUP, || {
            http_get(port, "/healthz").is_some_and(|s| s.contains("200"))
        });
        wait_for("an executor's registration", STARTUP, || {
            http_get(port, "/readyz").is_some_and(|s| s.contains("200"))
        });
    }

    run_ok(
        "synth-patentsview",
        &["--output", "s3://cluster/raw", "--patents", "120", "--first-year", "2000", "--years", "20", "--seed", "5"],
        &s3,
    );
    run_ok("ingest", &["--input", "s3://cluster/raw", "--output", "s3://cluster/ingest"], &s3);
    let engine = format!("df://127.0.0.1:{scheduler_port}");
    for stage in ["cooccurrence", "similarity", "labels"] {
        let local = tmp.path().join(format!("{stage}-local")).to_str().unwrap().to_string();
        let on_cluster = format!("s3://cluster/{stage}");
        run_ok(stage, &["--input", "s3://cluster/ingest", "--output", &local], &s3);
        run_ok(
            stage,
            &[
                "--input",
                "s3://cluster/ingest",
                "--output",
                &on_cluster,
                "--engine",
                &engine,
                "--target-partitions",
                "4",
            ],
            &s3,
        );
        let compared =
            tokio::runtime::Runtime::new().unwrap().block_on(assert_same_outputs(&at(&local), &moto.at(&on_cluster)));
        assert!(compared.iter().any(|(_, rows)| *rows > 0), "{stage} published no rows: {compared:?}");
    }

    drop(processes);
    for executor in ["executor-1", "executor-2"] {
        let log = std::fs::read_to_string(tmp.path().join(format!("{executor}.log"))).unwrap();
        assert!(log.contains("Finished task"), "{executor} ran no task:\n{log}");
    }
    for log in ["scheduler.log", "executor-1.log", "executor-2.log"] {
        let text = std::fs::read_to_string(tmp.path().join(log)).unwrap();
        assert!(!text.contains(MOTO_SECRET), "{log} shows the S3 secret");
    }
}
