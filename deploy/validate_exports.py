"""Validates files written by `pipeline export` offline: Kubernetes objects against the Kubernetes
OpenAPI schemas (kubernetes-validate, strict: unknown keys are errors) and AWS Batch job definitions
against botocore's service model for RegisterJobDefinition. Exits 1 with every problem listed.

usage: validate_exports.py --kubernetes FILE... --aws-batch FILE...
"""

import argparse
import json
import sys

import botocore.session
import botocore.validate
import kubernetes_validate
import yaml


def kubernetes_problems(path):
    problems = []
    with open(path) as f:
        documents = [d for d in yaml.safe_load_all(f) if d is not None]
    if not documents:
        problems.append(f"{path}: no documents")
    for document in documents:
        where = f"{path}: {document.get('kind')} {document.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)
        except kubernetes_validate.ValidationError as e:
            problems.append(f"{where}: {e.message} at {list(e.path)}")
        except Exception as e:  # an unknown kind or version
            problems.append(f"{where}: {e}")
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
    parser.add_argument("--aws-batch", nargs="*", default=[])
    args = parser.parse_args()
    problems = [p for path in args.kubernetes for p in kubernetes_problems(path)]
    problems += [p for path in args.aws_batch for p in batch_problems(path)]
    for p in problems:
        print(p)
    checked = len(args.kubernetes) + len(args.aws_batch)
    print(f"{checked} files checked, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
