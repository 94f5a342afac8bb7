//! `pipeline export` on the default manifest: the Kubernetes objects pass the Kubernetes schemas
//! (strict), the Argo objects pass Argo's JSON schema with unknown keys rejected, and the AWS Batch
//! job definitions pass botocore's model (deploy/validate_exports.py, with .venv from
//! tests/run.sh), and a corrupted copy of each fails; the Argo DAG's task dependencies and commands
//! are those of the manifest, read independently from its TOML; stage timeouts become deadlines.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use pipeline_tests::{run_ok, workspace_root};

const IMAGE: &str = "registry.example/patent-pipeline:test";
const ROOT: &str = "s3://example-bucket/patents";

fn export(format: &str) -> String {
    export_with(format, &[])
}

fn export_with(format: &str, extra: &[&str]) -> String {
    export_manifest(&workspace_root().join("pipeline/default.toml"), format, extra)
}

fn export_manifest(manifest: &std::path::Path, format: &str, extra: &[&str]) -> String {
    let mut args = vec!["export", manifest.to_str().unwrap(), "--format", format, "--image", IMAGE, "--root", ROOT];
    args.extend(extra);
    run_ok("pipeline", &args, &[])
}

fn documents(stream: &str) -> Vec<serde_json::Value> {
    stream.split("---\n").filter(|d| !d.trim().is_empty()).map(|d| serde_json::from_str(d).unwrap()).collect()
}

fn validate(args: &[&str]) -> (bool, String) {
    let python = workspace_root().join(".venv/bin/python");
    assert!(python.exists(), "{} is missing: run tests/run.sh, which installs the validators", python.display());
    let out =
        Command::new(python).arg(workspace_root().join("deploy/validate_exports.py")).args(args).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn exports_pass_their_schemas_and_corruptions_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let k8s = dir.path().join("k8s.yaml");
    let argo = dir.path().join("argo.yaml");
    let batch = dir.path().join("batch.json");
    std::fs::write(&k8s, export("kubernetes")).unwrap();
    std::fs::write(&argo, export("argo")).unwrap();
    std::fs::write(&batch, export("aws-batch")).unwrap();
    let (ok, out) = validate(&[
        "--kubernetes",
        k8s.to_str().unwrap(),
        "--argo",
        argo.to_str().unwrap(),
        "--aws-batch",
        batch.to_str().unwrap(),
    ]);
    assert!(ok && out.contains("3 files checked, 0 problems"), "{out}");

    // An unknown key in a container, and a misspelt DAG field: both unknown to Argo's schema.
    let text = std::fs::read_to_string(&argo).unwrap();
    let bad_argo = dir.path().join("bad-argo.yaml");
    std::fs::write(&bad_argo, text.replacen("\"container\": {", "\"container\": {\"cpus\": 4, ", 1)).unwrap();
    let (ok, out) = validate(&["--argo", bad_argo.to_str().unwrap()]);
    assert!(!ok && out.contains("'cpus' was unexpected"), "{out}");
    std::fs::write(&bad_argo, text.replace("\"dependencies\":", "\"depends_on\":")).unwrap();
    let (ok, out) = validate(&["--argo", bad_argo.to_str().unwrap()]);
    assert!(!ok && out.contains("'depends_on' was unexpected"), "{out}");

    let bad_k8s = dir.path().join("bad.yaml");
    std::fs::write(
        &bad_k8s,
        std::fs::read_to_string(&k8s).unwrap().replace("\"backoffLimit\": 2", "\"backoffLimit\": 2, \"retries\": 3"),
    )
    .unwrap();
    let (ok, out) = validate(&["--kubernetes", bad_k8s.to_str().unwrap()]);
    assert!(!ok && out.contains("'retries' was unexpected"), "{out}");
    let bad_batch = dir.path().join("bad.json");
    std::fs::write(
        &bad_batch,
        std::fs::read_to_string(&batch).unwrap().replace("\"attempts\": 3", "\"attempts\": \"3\""),
    )
    .unwrap();
    let (ok, out) = validate(&["--aws-batch", bad_batch.to_str().unwrap()]);
    assert!(!ok && out.contains("retryStrategy.attempts"), "{out}");
}

#[test]
fn argo_dag_follows_the_manifest() {
    // The manifest's edges, read from its TOML: a stage depends on the producers of its inputs.
    let text = std::fs::read_to_string(workspace_root().join("pipeline/default.toml")).unwrap();
    let manifest: toml::Value = toml::from_str(&text).unwrap();
    let stages = manifest["stage"].as_array().unwrap();
    let producer: BTreeMap<&str, &str> =
        stages.iter().map(|s| (s["output"].as_str().unwrap(), s["name"].as_str().unwrap())).collect();
    let expected: BTreeMap<String, BTreeSet<String>> = stages
        .iter()
        .map(|s| {
            let inputs = s.get("inputs").and_then(|i| i.as_array()).cloned().unwrap_or_default();
            let deps = inputs.iter().filter_map(|i| producer.get(i.as_str().unwrap())).map(|p| p.to_string()).collect();
            (s["name"].as_str().unwrap().to_string(), deps)
        })
        .collect();

    let documents = documents(&export("argo"));
    assert_eq!(documents.iter().map(|d| d["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["Workflow", "CronWorkflow"]);
    assert_eq!(documents[0]["spec"], documents[1]["spec"]["workflowSpec"], "the scheduled rerun runs the same DAG");
    let templates = documents[0]["spec"]["templates"].as_array().unwrap();
    let dag = templates.iter().find(|t| t["name"] == documents[0]["spec"]["entrypoint"]).unwrap();
    let got: BTreeMap<String, BTreeSet<String>> = dag["dag"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let deps = t.get("dependencies").and_then(|d| d.as_array()).cloned().unwrap_or_default();
            (t["name"].as_str().unwrap().to_string(), deps.iter().map(|d| d.as_str().unwrap().to_string()).collect())
        })
        .collect();
    assert_eq!(got, expected);
    // Each stage's container runs its binary on the datasets under the root.
    for stage in stages {
        let name = stage["name"].as_str().unwrap();
        let container = &templates.iter().find(|t| t["name"] == name).unwrap()["container"];
        assert_eq!(container["image"], IMAGE);
        assert_eq!(container["command"][0].as_str(), stage["binary"].as_str());
        let args: Vec<&str> = container["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        let output = format!("{ROOT}/{}", stage["output"].as_str().unwrap());
        assert!(
            args.windows(2).any(|w| w[0] == "--output" && w[1].trim_end_matches('/') == output),
            "{name}: {args:?}"
        );
        // A retried pod waits out the lease its killed predecessor left (60 s without a heartbeat).
        let env = container["env"].as_array().unwrap();
        let wait = env.iter().find(|e| e["name"] == "PIPELINE_LEASE_WAIT").map(|e| e["value"].as_str().unwrap());
        let wait =
            humantime::parse_duration(wait.unwrap_or_else(|| panic!("{name}: no lease wait in {env:?}"))).unwrap();
        assert!(wait > stage_runtime::lease::EXPIRY, "{name}: {wait:?}");
        for input in stage.get("inputs").and_then(|i| i.as_array()).cloned().unwrap_or_default() {
            let url = format!("{ROOT}/{}", input.as_str().unwrap());
            assert!(
                args.windows(2).any(|w| w[0] == "--input" && w[1].trim_end_matches('/') == url),
                "{name}: {args:?}"
            );
        }
    }
}

#[test]
fn ballista_cluster_passes_the_kubernetes_schemas_and_wires_executors_to_the_scheduler() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ballista.yaml");
    let text = export_with("ballista", &["--executors", "3", "--name", "pp"]);
    std::fs::write(&path, &text).unwrap();
    let (ok, out) = validate(&["--kubernetes", path.to_str().unwrap()]);
    assert!(ok && out.contains("1 files checked, 0 problems"), "{out}");

    let docs = documents(&text);
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Service", "Deployment", "Deployment"]);
    let service = &docs[0];
    let service_port = service["spec"]["ports"][0]["port"].as_u64().unwrap();
    // The Service selects the scheduler's pods, on the port the scheduler binds.
    let scheduler = &docs[1]["spec"]["template"];
    assert_eq!(service["spec"]["selector"], scheduler["metadata"]["labels"]);
    let arg = |container: &serde_json::Value, flag: &str| -> String {
        let args: Vec<&str> = container["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        args.windows(2).find(|w| w[0] == flag).unwrap_or_else(|| panic!("no {flag} in {args:?}"))[1].to_string()
    };
    let scheduler_container = &scheduler["spec"]["containers"][0];
    assert_eq!(scheduler_container["command"][0], "pipeline-scheduler");
    assert_eq!(arg(scheduler_container, "--bind-port"), service_port.to_string());
    // Executors reach the scheduler through the Service, bind distinct ports, and are probed on
    // the health port they bind.
    let executors = &docs[2]["spec"];
    assert_eq!(executors["replicas"], 3);
    let executor = &executors["template"]["spec"]["containers"][0];
    assert_eq!(executor["command"][0], "pipeline-executor");
    assert_eq!(arg(executor, "--scheduler-host"), service["metadata"]["name"].as_str().unwrap());
    assert_eq!(arg(executor, "--scheduler-port"), service_port.to_string());
    let ports: BTreeSet<String> =
        ["--bind-port", "--bind-grpc-port", "--bind-health-port"].iter().map(|f| arg(executor, f)).collect();
    assert_eq!(ports.len(), 3, "executor ports must differ: {ports:?}");
    for probe in ["livenessProbe", "readinessProbe"] {
        assert_eq!(executor[probe]["httpGet"]["port"].to_string(), arg(executor, "--bind-health-port"));
    }
    assert!(text.contains("\"secretRef\""), "credentials come from a Secret");
    assert!(!text.contains("AWS_SECRET_ACCESS_KEY"), "no credential is written into the manifests");
}

#[test]
fn stage_timeouts_become_deadlines_that_pass_the_schemas() {
    // The default manifest with a timeout on two stages: 90 minutes, and 30 s (below Batch's 60 s floor).
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(workspace_root().join("pipeline/default.toml")).unwrap();
    let text = text.replacen("name = \"similarity\"\n", "name = \"similarity\"\ntimeout = \"1h 30m\"\n", 1).replacen(
        "name = \"labels\"\n",
        "name = \"labels\"\ntimeout = \"30s\"\n",
        1,
    );
    assert_eq!(text.matches("timeout = ").count(), 2);
    let manifest = dir.path().join("timeouts.toml");
    std::fs::write(&manifest, text).unwrap();
    let (argo, batch) = (dir.path().join("argo.yaml"), dir.path().join("batch.json"));
    std::fs::write(&argo, export_manifest(&manifest, "argo", &[])).unwrap();
    std::fs::write(&batch, export_manifest(&manifest, "aws-batch", &[])).unwrap();
    let (ok, out) = validate(&["--argo", argo.to_str().unwrap(), "--aws-batch", batch.to_str().unwrap()]);
    assert!(ok && out.contains("2 files checked, 0 problems"), "{out}");

    let workflow = &documents(&std::fs::read_to_string(&argo).unwrap())[0];
    let deadlines: BTreeMap<String, Option<u64>> = workflow["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t.get("container").is_some())
        .map(|t| (t["name"].as_str().unwrap().to_string(), t.get("activeDeadlineSeconds").map(|s| s.as_u64().unwrap())))
        .collect();
    assert_eq!(deadlines["similarity"], Some(90 * 60));
    assert_eq!(deadlines["labels"], Some(30));
    assert_eq!(deadlines.values().filter(|d| d.is_some()).count(), 2, "{deadlines:?}");

    let batch: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&batch).unwrap()).unwrap();
    let attempt = |stage: &str| {
        let name = format!("patent-pipeline-{stage}");
        let definition =
            batch["jobDefinitions"].as_array().unwrap().iter().find(|d| d["jobDefinitionName"] == name.as_str());
        definition.unwrap_or_else(|| panic!("{name}: {batch}"))["timeout"]["attemptDurationSeconds"].as_u64()
    };
    assert_eq!(attempt("similarity"), Some(90 * 60));
    assert_eq!(attempt("labels"), Some(60), "raised to Batch's minimum");
    assert_eq!(attempt("ingest"), None);
}
