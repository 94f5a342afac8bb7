//! Deployment files generated from a validated DAG manifest, so cluster and cloud runs follow the
//! manifest instead of hand-copied YAML: an Argo Workflows `Workflow` (one DAG task per stage, the
//! manifest's edges as task dependencies) and a `CronWorkflow` for scheduled reruns; a Kubernetes
//! `ConfigMap` + `Job` + `CronJob` running the whole manifest with the `pipeline` runner in one pod;
//! AWS Batch job definitions (one per stage) with the order and dependencies to submit them in; and
//! a Ballista cluster (scheduler `Deployment` + `Service`, executor `Deployment`) of the project's
//! `pipeline-scheduler` and `pipeline-executor`, for stages run with
//! `PIPELINE_ENGINE=df://<name>-ballista-scheduler:50050`.
//! A stage's `timeout` becomes its Argo template's `activeDeadlineSeconds` and its Batch job
//! definition's `attemptDurationSeconds`; the Kubernetes Job's `pipeline run` enforces it itself.
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
    /// Ballista executors (replicas).
    pub executors: u32,
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

/// How long a retried container waits for the lease its killed predecessor left (a lease of a
/// process on another host stays live until it expires, 60 s after its last heartbeat).
const RETRY_LEASE_WAIT: &str = "2m";

/// The exported environment: `--env`, then the stage's own, then `PIPELINE_LEASE_WAIT` unless
/// either sets it (so a retry outlasts the lease its killed predecessor left).
fn env_pairs(stage_env: impl IntoIterator<Item = (String, String)>, options: &ExportOptions) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = options.env.iter().cloned().chain(stage_env).collect();
    if !all.iter().any(|(name, _)| name == stage_runtime::lease::WAIT_VAR) {
        all.push((stage_runtime::lease::WAIT_VAR.into(), RETRY_LEASE_WAIT.into()));
    }
    all
}

fn env_list(stage_env: impl IntoIterator<Item = (String, String)>, options: &ExportOptions) -> Value {
    let all = env_pairs(stage_env, options);
    Value::Array(all.into_iter().map(|(name, value)| json!({ "name": name, "value": value })).collect())
}

/// A stage's timeout in whole seconds, rounded up (at least `floor`), if it has one.
fn timeout_seconds(stage: &Stage, floor: u64) -> Option<u64> {
    stage.timeout.map(|limit| limit.as_secs_f64().ceil().max(floor as f64) as u64)
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
                task["dependencies"] =
                    stage.upstream.iter().map(|&u| Value::from(pipeline.stages[u].name.clone())).collect();
            }
            task
        })
        .collect();
    let mut templates = vec![json!({ "name": "pipeline", "dag": { "tasks": tasks } })];
    for stage in &pipeline.stages {
        let command = command(stage);
        let mut template = json!({
            "name": stage.name,
            "retryStrategy": { "limit": "2", "retryPolicy": "OnError" },
            "container": {
                "image": options.image,
                "command": [command[0]],
                "args": command[1..],
                "env": env_list(stage.env.clone(), options),
                "resources": resources(options),
            },
        });
        if let Some(seconds) = timeout_seconds(stage, 1) {
            template["activeDeadlineSeconds"] = seconds.into();
        }
        templates.push(template);
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
            "spec": { "schedules": [options.schedule], "concurrencyPolicy": "Forbid", "workflowSpec": spec },
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

/// Ports of the Ballista processes: scheduler gRPC; executor Flight, gRPC and health.
const SCHEDULER_PORT: u16 = 50050;
const EXECUTOR_PORTS: [(&str, u16); 3] = [("flight", 50051), ("grpc", 50052), ("health", 50053)];

/// The scheduler's Service name, the host stages give as `df://HOST:50050`.
pub fn scheduler_service(options: &ExportOptions) -> String {
    format!("{}-ballista-scheduler", options.name)
}

/// A Ballista cluster for the SQL stages: the scheduler as a `Deployment` behind a `Service`, and
/// `options.executors` executors as a `Deployment` with health probes and a scratch volume for
/// shuffle files. S3 credentials come from the optional Secret `<name>-s3` as environment
/// variables; endpoint and region come with each job from the stage (session options).
pub fn ballista(options: &ExportOptions) -> Vec<Value> {
    let service = scheduler_service(options);
    let metadata = |name: &str| json!({ "name": name, "namespace": options.namespace, "labels": { "app": name } });
    let secret = json!([{ "secretRef": { "name": format!("{}-s3", options.name), "optional": true } }]);
    let deployment = |name: &str, replicas: u32, container: Value, volumes: Value| {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": metadata(name),
            "spec": {
                "replicas": replicas,
                "selector": { "matchLabels": { "app": name } },
                "template": {
                    "metadata": { "labels": { "app": name } },
                    "spec": { "containers": [container], "volumes": volumes },
                },
            },
        })
    };
    let scheduler = json!({
        "name": "scheduler",
        "image": options.image,
        "command": ["pipeline-scheduler"],
        "args": ["--bind-host", "0.0.0.0", "--bind-port", SCHEDULER_PORT.to_string(), "--external-host", service],
        "ports": [{ "name": "grpc", "containerPort": SCHEDULER_PORT }],
        "envFrom": secret,
        "env": env_list(std::iter::empty(), options),
        "readinessProbe": { "tcpSocket": { "port": SCHEDULER_PORT }, "periodSeconds": 5 },
        "resources": resources(options),
    });
    let executor_name = format!("{}-ballista-executor", options.name);
    let [(_, flight), (_, grpc), (_, health)] = EXECUTOR_PORTS;
    let pod_ip = json!({ "name": "POD_IP", "valueFrom": { "fieldRef": { "fieldPath": "status.podIP" } } });
    let mut executor_env = env_list(std::iter::empty(), options);
    executor_env.as_array_mut().expect("env is a list").push(pod_ip);
    let executor = json!({
        "name": "executor",
        "image": options.image,
        "command": ["pipeline-executor"],
        "args": [
            "--scheduler-host", service, "--scheduler-port", SCHEDULER_PORT.to_string(),
            "--bind-host", "0.0.0.0", "--external-host", "$(POD_IP)",
            "--bind-port", flight.to_string(), "--bind-grpc-port", grpc.to_string(), "--bind-health-port", health.to_string(),
            "--work-dir", "/scratch", "--vcores", options.cpus.to_string(),
        ],
        "ports": EXECUTOR_PORTS.iter().map(|(name, port)| json!({ "name": name, "containerPort": port })).collect::<Vec<_>>(),
        "envFrom": secret,
        "env": executor_env,
        "livenessProbe": { "httpGet": { "path": "/healthz", "port": health }, "periodSeconds": 10 },
        "readinessProbe": { "httpGet": { "path": "/readyz", "port": health }, "periodSeconds": 10 },
        "volumeMounts": [{ "name": "scratch", "mountPath": "/scratch" }],
        "resources": resources(options),
    });
    vec![
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": metadata(&service),
            "spec": { "selector": { "app": service }, "ports": [{ "name": "grpc", "port": SCHEDULER_PORT, "targetPort": SCHEDULER_PORT }] },
        }),
        deployment(&service, 1, scheduler, json!([])),
        deployment(&executor_name, options.executors, executor, json!([{ "name": "scratch", "emptyDir": {} }])),
    ]
}

/// AWS Batch: one `RegisterJobDefinition` request per stage, in an object with the stages in
/// dependency order and each one's upstream stages (the `dependsOn` of its `SubmitJob`).
pub fn aws_batch(pipeline: &Pipeline, options: &ExportOptions) -> Value {
    let definitions: Vec<Value> = pipeline
        .stages
        .iter()
        .map(|stage| {
            let env: Vec<Value> = env_pairs(stage.env.clone(), options)
                .into_iter()
                .map(|(name, value)| json!({ "name": name, "value": value }))
                .collect();
            let mut definition = json!({
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
            });
            // Batch's shortest attempt timeout is 60 s.
            if let Some(seconds) = timeout_seconds(stage, 60) {
                definition["timeout"] = json!({ "attemptDurationSeconds": seconds });
            }
            definition
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
    documents
        .iter()
        .map(|d| format!("---\n{}\n", serde_json::to_string_pretty(d).expect("JSON values serialise")))
        .collect()
}
