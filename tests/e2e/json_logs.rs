//! Structured logs: with `PIPELINE_LOG_FORMAT=json` a stage writes one JSON object per stderr line,
//! its fields as keys, ending with the `finished` event that carries wall time and peak memory.

use std::process::Command;

use pipeline_tests::binary;

#[test]
fn a_stage_logs_one_json_object_per_line_with_named_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(binary("synth-patentsview"))
        .args(["--output", tmp.path().join("raw").to_str().unwrap()])
        .args(["--patents", "60", "--first-year", "2000", "--years", "20", "--seed", "9"])
        .env("PIPELINE_LOG_FORMAT", "json")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}")))
        .collect();
    assert!(events.iter().all(|e| e["level"].is_string() && e["message"].is_string()), "{stderr}");
    assert!(
        events.iter().any(|e| e["message"] == "published" && e["files"].as_u64().is_some_and(|n| n > 0)),
        "no published event with its file count: {stderr}"
    );
    let finished = events.last().unwrap();
    assert_eq!(finished["message"], "finished", "{stderr}");
    assert_eq!(finished["stage"], "synth", "{finished}");
    assert!(finished["secs"].as_f64().is_some_and(|s| s > 0.0), "{finished}");
    assert!(finished["peak_memory"].as_str().is_some_and(|m| m.ends_with("iB")), "{finished}");
}
