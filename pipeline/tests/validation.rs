//! Manifest validation: every problem reported at once, in words that say what to fix.

use std::path::{Path, PathBuf};

use pipeline::{LoadOptions, Pipeline};

/// Writes `manifest` (and an executable `ok.sh` beside it) into `dir` and loads it.
fn load(dir: &Path, manifest: &str) -> anyhow::Result<Pipeline> {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("ok.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = dir.join("pipeline.toml");
    std::fs::write(&path, manifest).unwrap();
    let root = dir.join("data").display().to_string();
    Pipeline::load(&path, &LoadOptions { root: Some(root), require_binaries: true })
}

fn error(manifest: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    format!("{:#}", load(dir.path(), manifest).expect_err("manifest should be rejected"))
}

#[test]
fn lists_every_problem_at_once() {
    let err = error(
        r#"
        [[stage]]
        name = "a"
        binary = "./ok.sh"
        output = "x"

        [[stage]]
        name = "a"
        binary = "./ok.sh"
        output = "x"

        [[stage]]
        name = "ingest"
        binary = "./ok.sh"
        inputs = ["rawx"]
        output = "ingest"
        depends_on = ["nosuch"]

        [[stage]]
        name = "b"
        binary = "./missing.sh"
        output = "y"

        [external]
        raw = "/tmp/raw"
        "#,
    );
    assert!(err.contains("(5 problems)"), "{err}");
    assert!(err.contains("duplicate stage name `a` (stages #1 and #2)"), "{err}");
    assert!(err.contains("dataset `x` is the output of both stage a and stage a"), "{err}");
    assert!(err.contains("stage ingest: unknown input `rawx` (known datasets: x, x, ingest, y, raw)"), "{err}");
    assert!(err.contains("stage ingest: depends_on names unknown stage `nosuch` (stages: a, a, ingest, b)"), "{err}");
    assert!(err.contains("stage b: binary `./missing.sh` not found at "), "{err}");
}

#[test]
fn names_the_stages_of_a_cycle() {
    let err = error(
        r#"
        [[stage]]
        name = "free"
        binary = "./ok.sh"
        output = "f"

        [[stage]]
        name = "a"
        binary = "./ok.sh"
        inputs = ["c_out"]
        output = "a_out"

        [[stage]]
        name = "b"
        binary = "./ok.sh"
        inputs = ["a_out", "f"]
        output = "b_out"

        [[stage]]
        name = "c"
        binary = "./ok.sh"
        output = "c_out"
        depends_on = ["b"]
        "#,
    );
    assert!(err.contains("(1 problem)"), "{err}");
    assert!(err.contains("dependency cycle: a -> b -> c -> a"), "{err}");
}

#[test]
fn missing_binary_says_where_it_looked_and_how_to_build() {
    let err = error(
        r#"
        [[stage]]
        name = "s"
        binary = "no-such-stage-binary-4f1c"
        output = "o"
        "#,
    );
    let exe_dir = std::env::current_exe().unwrap().parent().unwrap().display().to_string();
    assert!(err.contains("stage s: binary `no-such-stage-binary-4f1c` not found in"), "{err}");
    assert!(err.contains(&format!("{exe_dir} (beside the pipeline executable) or on PATH")), "{err}");
    assert!(err.contains("cargo build --release`"), "{err}");
}

#[test]
fn a_file_that_is_not_executable_is_no_binary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plain.sh"), "#!/bin/sh\n").unwrap();
    let err = format!(
        "{:#}",
        load(dir.path(), "[[stage]]\nname = \"s\"\nbinary = \"./plain.sh\"\noutput = \"o\"\n").unwrap_err()
    );
    assert!(err.contains("binary `./plain.sh` is not executable at"), "{err}");
}

#[test]
fn resolves_paths_from_the_manifest_folder_and_bare_names_on_path() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = load(
        dir.path(),
        r#"
        [[stage]]
        name = "shell"
        binary = "sh"
        inputs = ["raw"]
        output = "o"

        [[stage]]
        name = "script"
        binary = "./ok.sh"
        inputs = ["o"]
        output = "p"

        [external]
        raw = "s3://bucket/dumps"
        "#,
    )
    .unwrap();
    let shell = pipeline.stage("shell").unwrap();
    assert!(shell.binary.is_absolute() && shell.binary.ends_with("sh"), "{:?}", shell.binary);
    assert_eq!(shell.inputs[0].dataset.url, "s3://bucket/dumps/");
    assert_eq!(shell.inputs[0].producer, None);
    let script = pipeline.stage("script").unwrap();
    assert_eq!(script.binary, dir.path().join("ok.sh"));
    assert_eq!(script.inputs[0].producer, Some(0));
    assert_eq!(script.output.url, format!("file://{}/data/p/", dir.path().display()));
}

#[test]
fn unknown_fields_are_rejected() {
    let err = error("[[stage]]\nname = \"s\"\nbinary = \"./ok.sh\"\noutput = \"o\"\nargz = []\n");
    assert!(err.contains("unknown field `argz`"), "{err}");
}

#[test]
fn default_manifest_is_a_valid_dag() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("default.toml");
    let pipeline =
        Pipeline::load(&path, &LoadOptions { root: Some("s3://bucket/prefix".into()), require_binaries: false })
            .unwrap();
    let names: Vec<&str> = pipeline.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["synth", "ingest", "cooccurrence", "similarity", "labels", "train", "explore", "validate"]);
    let ingest = pipeline.stage("ingest").unwrap();
    assert_eq!(ingest.inputs[0].dataset.url, "s3://bucket/prefix/raw/");
    assert_eq!(ingest.output.url, "s3://bucket/prefix/ingest/");
    assert_eq!(ingest.upstream, [0]);
    let cooccurrence = pipeline.stage("cooccurrence").unwrap();
    assert_eq!(cooccurrence.inputs[0].dataset.url, "s3://bucket/prefix/ingest/");
    assert_eq!(cooccurrence.upstream, [1]);
    let similarity = pipeline.stage("similarity").unwrap();
    assert_eq!(similarity.inputs[0].dataset.url, "s3://bucket/prefix/ingest/");
    assert_eq!(similarity.upstream, [1]);
    assert_eq!(pipeline.stage("labels").unwrap().upstream, [1]);
    let train = pipeline.stage("train").unwrap();
    assert_eq!(train.upstream, [1, 4]);
    assert_eq!(train.inputs[1].dataset.url, "s3://bucket/prefix/labels/");
    let explore = pipeline.stage("explore").unwrap();
    assert_eq!(explore.upstream, [1, 4, 5], "ingest, labels, train");
    assert_eq!(explore.inputs[2].dataset.url, "s3://bucket/prefix/model/");
    let validate = pipeline.stage("validate").unwrap();
    assert_eq!(validate.upstream, [1, 4, 6], "ingest, labels, explore");
    assert_eq!(validate.inputs[2].dataset.url, "s3://bucket/prefix/exploration/");
}

#[test]
fn gpu_manifest_is_the_default_dag_with_cuda_training() {
    let load = |name: &str| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name);
        Pipeline::load(&path, &LoadOptions { root: None, require_binaries: false }).unwrap()
    };
    let (default, gpu) = (load("default.toml"), load("gpu.toml"));
    let names = |p: &Pipeline| p.stages.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&default), names(&gpu));
    let train = gpu.stage("train").unwrap();
    assert!(train.args.windows(2).any(|w| w == ["--device", "cuda"]), "{:?}", train.args);
    let explore = gpu.stage("explore").unwrap();
    assert!(explore.args.windows(2).any(|w| w == ["--device", "cuda"]), "{:?}", explore.args);
}

#[test]
fn paper_manifest_shares_the_default_data_stages_and_has_its_own_outputs() {
    let load = |name: &str| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name);
        Pipeline::load(&path, &LoadOptions { root: None, require_binaries: false }).unwrap()
    };
    let (default, paper) = (load("default.toml"), load("paper.toml"));
    // The data stages are the default's, name for name: on one root they run once for both.
    for name in ["synth", "ingest", "cooccurrence", "similarity"] {
        let (d, p) = (default.stage(name).unwrap(), paper.stage(name).unwrap());
        assert_eq!((&d.binary, &d.args, &d.output.url), (&p.binary, &p.args, &p.output.url), "{name}");
    }
    // The paper's stages write beside the default's, never over them.
    let default_outputs: Vec<&str> = default.stages.iter().map(|s| s.output.name.as_str()).collect();
    for name in ["labels-paper", "train-paper", "explore-paper", "validate-paper"] {
        let stage = paper.stage(name).unwrap_or_else(|| panic!("{name}"));
        assert!(!default_outputs.contains(&stage.output.name.as_str()), "{name}");
        assert!(!default.stages.iter().any(|s| s.name == name), "{name}: its run record is its own");
    }
    let has = |stage: &str, pair: [&str; 2]| {
        let args = &paper.stage(stage).unwrap().args;
        assert!(args.windows(2).any(|w| w == pair), "{stage}: {args:?} lacks {pair:?}");
    };
    has("labels-paper", ["--field", "all"]);
    has("labels-paper", ["--rule", "above-quantile"]);
    has("labels-paper", ["--window", "calendar-years"]);
    has("train-paper", ["--config", "paper"]);
    has("explore-paper", ["--decoding", "greedy"]);
    has("explore-paper", ["--threshold", "0.8"]);
    let explore = &paper.stage("explore-paper").unwrap().args;
    assert!(explore.iter().any(|a| a == "--cited-only") && explore.iter().any(|a| a == "--step-past-threshold"));
    assert!(paper.stage("validate-paper").unwrap().args.iter().any(|a| a == "--reached-only"));
    let validate = paper.stage("validate-paper").unwrap();
    let inputs: Vec<&str> = validate.inputs.iter().map(|i| i.dataset.name.as_str()).collect();
    assert_eq!(inputs, ["ingest", "labels-paper", "exploration-paper"]);
}

#[test]
fn timeouts_must_be_positive_durations() {
    let stage = |name: &str, timeout: &str| {
        format!("[[stage]]\nname = \"{name}\"\nbinary = \"./ok.sh\"\noutput = \"{name}\"\ntimeout = \"{timeout}\"\n\n")
    };
    let err = error(&[stage("a", "soon"), stage("b", "0s"), stage("c", "90m")].concat());
    assert!(err.contains("(2 problems)"), "{err}");
    assert!(err.contains("stage a: timeout `soon`: "), "{err}");
    assert!(err.contains("(write it like `90m` or `12h`)"), "{err}");
    assert!(err.contains("stage b: timeout `0s` is zero"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let pipeline = load(
        dir.path(),
        &[stage("c", "1h 30m"), "[[stage]]\nname = \"d\"\nbinary = \"./ok.sh\"\noutput = \"d\"\n".into()].concat(),
    )
    .unwrap();
    assert_eq!(pipeline.stage("c").unwrap().timeout, Some(std::time::Duration::from_secs(5400)));
    assert_eq!(pipeline.stage("d").unwrap().timeout, None);
}
