"""Validates files written by `pipeline export` offline: Kubernetes objects against the Kubernetes
OpenAPI schemas (kubernetes-validate, strict: unknown keys are errors), Argo Workflows objects
against Argo's JSON schema with unknown keys rejected, and AWS Batch job definitions against
botocore's service model for RegisterJobDefinition. Exits 1 with every problem listed.

Argo's schema comes from hera (PyPI), whose Workflow and CronWorkflow models are generated from
the schema Argo Workflows publishes (hera names the file it was generated from in the module
header); its JSON-schema export is made strict here by closing every object that lists properties.

usage: validate_exports.py --kubernetes FILE... --argo FILE... --aws-batch FILE...
"""

import argparse
import json
import sys

import botocore.session
import botocore.validate
import jsonschema
import kubernetes_validate
import yaml


def load_documents(path):
    """The YAML documents of `path`, and a problem when there are none."""
    with open(path) as f:
        documents = [d for d in yaml.safe_load_all(f) if d is not None]
    return documents, ([] if documents else [f"{path}: no documents"])


def kubernetes_problems(path):
    documents, problems = load_documents(path)
    for document in documents:
        where = f"{path}: {document.get('kind')} {document.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)
        except kubernetes_validate.ValidationError as e:
            problems.append(f"{where}: {e.message} at {list(e.path)}")
        except Exception as e:  # an unknown kind or version
            problems.append(f"{where}: {e}")
    return problems


def closed(schema):
    """`schema` with `additionalProperties: false` on every object schema that lists properties."""
    if isinstance(schema, dict):
        schema = {key: closed(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
    elif isinstance(schema, list):
        schema = [closed(value) for value in schema]
    return schema


def argo_validators():
    from hera.workflows.models.io.argoproj.workflow import v1alpha1

    return {
        kind: jsonschema.Draft202012Validator(closed(getattr(v1alpha1, kind).model_json_schema(by_alias=True)))
        for kind in ("Workflow", "CronWorkflow")
    }


def argo_problems(path, validators):
    documents, problems = load_documents(path)
    for document in documents:
        kind = document.get("kind")
        where = f"{path}: {kind} {document.get('metadata', {}).get('name') or document.get('metadata', {}).get('generateName')}"
        if document.get("apiVersion") != "argoproj.io/v1alpha1" or kind not in validators:
            problems.append(f"{where}: not an Argo Workflow or CronWorkflow ({document.get('apiVersion')})")
            continue
        for error in validators[kind].iter_errors(document):
            # For a failed anyOf (a field that may be null), the branch that explains it best.
            error = jsonschema.exceptions.best_match([error])
            problems.append(f"{where}: {error.message[:300]} at {list(error.absolute_path)}")
    return problems


def batch_problems(path):
    with open(path) as f:
        export = json.load(f)
    shape = botocore.session.get_session().get_service_model("batch").operation_model("RegisterJobDefinition").input_shape
    problems = []
    definitions = export.get("jobDefinitions", [])
    if not definitions:
        problems.append(f"{path}: no job definitions")
    for definition in definitions:
        try:
            botocore.validate.validate_parameters(definition, shape)
        except botocore.exceptions.ParamValidationError as e:
            problems.append(f"{path}: {definition.get('jobDefinitionName')}: {e}")
    names = {d["jobDefinitionName"] for d in definitions}
    stages = set()
    for job in export.get("submitOrder", []):
        if job["jobDefinition"] not in names:
            problems.append(f"{path}: {job['stage']} submits unknown definition {job['jobDefinition']}")
        for upstream in job["dependsOn"]:
            if upstream not in stages:
                problems.append(f"{path}: {job['stage']} is submitted before its upstream {upstream}")
        stages.add(job["stage"])
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kubernetes", nargs="*", default=[])
    parser.add_argument("--argo", nargs="*", default=[])
    parser.add_argument("--aws-batch", nargs="*", default=[])
    args = parser.parse_args()
    problems = [p for path in args.kubernetes for p in kubernetes_problems(path)]
    if args.argo:
        validators = argo_validators()
        problems += [p for path in args.argo for p in argo_problems(path, validators)]
    problems += [p for path in args.aws_batch for p in batch_problems(path)]
    for p in problems:
        print(p)
    checked = len(args.kubernetes) + len(args.argo) + len(args.aws_batch)
    print(f"{checked} files checked, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
