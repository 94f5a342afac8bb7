//! The whole default manifest on a loopback S3 server (moto), on a smaller sample (3,000 patents
//! instead of 20,000: this test is about the store, and the SQL stages run three times): every stage
//! reads and writes `s3://` through the runner, the second run skips all of them, and the SQL
//! stages' outputs equal those of the same stage binaries run with a local output on the same S3
//! inputs.

use std::collections::BTreeMap;

use pipeline_tests::{MotoServer, assert_same_outputs, at, run_ok, workspace_root};
use stage_runtime::read_published;

#[tokio::test(flavor = "multi_thread")]
async fn default_manifest_runs_on_s3() {
    let moto = MotoServer::with_bucket("pipeline");
    let s3 = moto.vars();
    let default = std::fs::read_to_string(workspace_root().join("pipeline/default.toml")).unwrap();
    let smaller = default.replace(r#""--patents", "20000""#, r#""--patents", "3000""#);
    assert_ne!(smaller, default, "the default manifest's synth stage sets --patents 20000");
    let tmp = tempfile::tempdir().unwrap();
    let manifest_path = tmp.path().join("default-3000.toml");
    std::fs::write(&manifest_path, smaller).unwrap();
    let manifest = manifest_path.to_str().unwrap();
    let root = "s3://pipeline/default";
    let first = run_ok("pipeline", &["run", manifest, "--root", root], &s3);
    assert!(first.contains("8 ran"), "{first}");

    // Every stage published on S3, with rows.
    let toml: toml::Value = toml::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let stages = toml["stage"].as_array().unwrap();
    let mut rows_by_stage = BTreeMap::new();
    for stage in stages {
        let output = format!("{root}/{}", stage["output"].as_str().unwrap());
        let published = read_published(&moto.at(&output)).await.unwrap();
        let published = published.unwrap_or_else(|| panic!("{output} not published"));
        let rows: u64 = published.tables.values().map(|t| t.rows).sum();
        rows_by_stage.insert(stage["name"].as_str().unwrap().to_string(), rows);
    }
    assert!(rows_by_stage.iter().filter(|(s, _)| *s != "synth").all(|(_, &rows)| rows > 0), "{rows_by_stage:?}");

    // The SQL stages again, from the same S3 inputs to local folders: the same tables.
    for stage in stages
        .iter()
        .filter(|s| ["ingest", "cooccurrence", "similarity", "labels"].contains(&s["name"].as_str().unwrap()))
    {
        let local = tmp.path().join(stage["name"].as_str().unwrap()).to_str().unwrap().to_string();
        let mut args = vec![];
        for input in stage["inputs"].as_array().unwrap() {
            args.extend(["--input".to_string(), format!("{root}/{}", input.as_str().unwrap())]);
        }
        args.extend(["--output".to_string(), local.clone()]);
        args.extend(stage["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_ok(stage["binary"].as_str().unwrap(), &args, &s3);
        assert_same_outputs(&moto.at(&format!("{root}/{}", stage["output"].as_str().unwrap())), &at(&local)).await;
    }

    let second = run_ok("pipeline", &["run", manifest, "--root", root], &s3);
    assert!(second.contains("0 ran, 8 up to date"), "{second}");
}
