//! Deployment files generated from a validated DAG manifest, so cluster and cloud runs follow the
//! manifest instead of hand-copied YAML: an Argo Workflows `Workflow` (one DAG task per stage, the
//! manifest's edges as task dependencies) and a `CronWorkflow` for scheduled reruns; a Kubernetes
//! `ConfigMap` + `Job` + `CronJob` running the whole manifest with the `pipeline` runner in one pod;
//! and AWS Batch job definitions (one per stage) with the order and dependencies to submit them in.
//! Every document is JSON, which is also YAML, so `kubectl`, `argo` and `aws batch` read them as
//! they are.

use serde_json::{Value, json};

use crate::manifest::{Pipeline, Stage};

/// What the generated files run and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    /// Container image holding the stage binaries and `pipeline` on PATH (deploy/Containerfile).
    pub image: String,
    /// Name prefix of the generated objects.
    pub name: String,
    /// Kubernetes namespace.
    pub namespace: String,
    /// Cron schedule of the scheduled reruns.
    pub schedule: String,
    /// CPUs requested per stage.
    pub cpus: u32,
    /// Memory per stage, MiB.
    pub memory_mib: u32,
    /// Environment passed to every stage (e.g. AWS_REGION); credentials belong in a Secret
    /// (Kubernetes) or the job role (Batch), not here.
    pub env: Vec<(String, String)>,
}

/// The command line of `stage` inside the image: its binary by name, its inputs, output and args.
fn command(stage: &Stage) -> Vec<String> {
    let binary = stage.binary.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let mut command = vec![binary];
    for input in &stage.inputs {
        command.extend(["--input".to_string(), input.dataset.url.clone()]);
    }
    command.extend(["--output".to_string(), stage.output.url.clone()]);
    command.extend(stage.args.iter().cloned());
    command
}

fn env_list(stage_env: impl IntoIterator<Item = (String, String)>, options: &ExportOptions) -> Value {
    let all: Vec<(String, String)> = options.env.iter().cloned().chain(stage_env).collect();
    Value::Array(all.into_iter().map(|(name, value)| json!({ "name": name, "value": value })).collect())
}

fn resources(options: &ExportOptions) -> Value {
    let amount = json!({ "cpu": options.cpus.to_string(), "memory": format!("{}Mi", options.memory_mib) });
    json!({ "requests": amount, "limits": amount })
}

/// An Argo `Workflow` spec: one container template and one DAG task per stage.
fn workflow_spec(pipeline: &Pipeline, options: &ExportOptions) -> Value {
    let tasks: Vec<Value> = pipeline
        .stages
        .iter()
        .map(|stage| {
            let mut task = json!({ "name": stage.name, "template": stage.name });
            if !stage.upstream.is_empty() {
                task["dependencies"] = stage.upstream.iter().map(|&u| Value::from(pipeline.stages[u].name.clone())).collect();
            }
            task
        })
        .collect();
    let mut templates = vec![json!({ "name": "pipeline", "dag": { "tasks": tasks } })];
    for stage in &pipeline.stages {
        let command = command(stage);
        templates.push(json!({
            "name": stage.name,
            "retryStrategy": { "limit": "2", "retryPolicy": "OnError" },
            "container": {
                "image": options.image,
                "command": [command[0]],
                "args": command[1..],
                "env": env_list(stage.env.clone(), options),
                "resources": resources(options),
            },
        }));
    }
    json!({ "entrypoint": "pipeline", "templates": templates })
}

/// Argo Workflows: a `Workflow` and a `CronWorkflow` with the same spec.
pub fn argo(pipeline: &Pipeline, options: &ExportOptions) -> Vec<Value> {
    let spec = workflow_spec(pipeline, options);
    vec![
        json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": { "generateName": format!("{}-", options.name), "namespace": options.namespace },
            "spec": spec,
        }),
        json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "CronWorkflow",
            "metadata": { "name": options.name, "namespace": options.namespace },
            "spec": { "schedule": options.schedule, "concurrencyPolicy": "Forbid", "workflowSpec": spec },
        }),
    ]
}

/// Kubernetes: the manifest in a `ConfigMap`, and a `Job` and a `CronJob` running `pipeline run` on it.
pub fn kubernetes(pipeline: &Pipeline, manifest_text: &str, options: &ExportOptions) -> Vec<Value> {
    let pod = json!({
        "restartPolicy": "Never",
        "containers": [{
            "name": "pipeline",
            "image": options.image,
            "command": ["pipeline"],
            "args": ["run", "/etc/pipeline/manifest.toml", "--root", pipeline.root.url()],
            "env": env_list(std::iter::empty(), options),
            "resources": resources(options),
            "volumeMounts": [{ "name": "manifest", "mountPath": "/etc/pipeline", "readOnly": true }],
        }],
        "volumes": [{ "name": "manifest", "configMap": { "name": format!("{}-manifest", options.name) } }],
    });
    let job_spec = json!({ "backoffLimit": 2, "template": { "spec": pod } });
    let metadata = |name: String| json!({ "name": name, "namespace": options.namespace });
    vec![
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": metadata(format!("{}-manifest", options.name)),
            "data": { "manifest.toml": manifest_text },
        }),
        json!({ "apiVersion": "batch/v1", "kind": "Job", "metadata": metadata(options.name.clone()), "spec": job_spec }),
        json!({
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": metadata(format!("{}-scheduled", options.name)),
            "spec": { "schedule": options.schedule, "concurrencyPolicy": "Forbid", "jobTemplate": { "spec": job_spec } },
        }),
    ]
}

/// AWS Batch: one `RegisterJobDefinition` request per stage, in an object with the stages in
/// dependency order and each one's upstream stages (the `dependsOn` of its `SubmitJob`).
pub fn aws_batch(pipeline: &Pipeline, options: &ExportOptions) -> Value {
    let definitions: Vec<Value> = pipeline
        .stages
        .iter()
        .map(|stage| {
            let env: Vec<Value> = options
                .env
                .iter()
                .cloned()
                .chain(stage.env.clone())
                .map(|(name, value)| json!({ "name": name, "value": value }))
                .collect();
            json!({
                "jobDefinitionName": format!("{}-{}", options.name, stage.name),
                "type": "container",
                "retryStrategy": { "attempts": 3 },
                "containerProperties": {
                    "image": options.image,
                    "command": command(stage),
                    "environment": env,
                    "resourceRequirements": [
                        { "type": "VCPU", "value": options.cpus.to_string() },
                        { "type": "MEMORY", "value": options.memory_mib.to_string() },
                    ],
                },
            })
        })
        .collect();
    let submit: Vec<Value> = pipeline
        .stages
        .iter()
        .map(|stage| {
            json!({
                "stage": stage.name,
                "jobDefinition": format!("{}-{}", options.name, stage.name),
                "dependsOn": stage.upstream.iter().map(|&u| pipeline.stages[u].name.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "jobDefinitions": definitions, "submitOrder": submit })
}

/// Documents as a multi-document YAML stream (each document JSON).
pub fn yaml_stream(documents: &[Value]) -> String {
    documents.iter().map(|d| format!("---\n{}\n", serde_json::to_string_pretty(d).expect("JSON values serialise"))).collect()
}
