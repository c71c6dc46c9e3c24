#!/usr/bin/env bash
# Submit prep-data as an AWS Batch array job of N children, then a merge job that starts only when every child
# has succeeded (dependsOn the array job). Usage:
#   deploy/aws-batch/submit.sh QUEUE [N]
# Needs the job definition from job-definition.json registered, and the AWS CLI configured.
set -euo pipefail
queue="${1:?usage: submit.sh QUEUE [N]}"
n="${2:-16}"
bucket="${BUCKET:?set BUCKET to the bucket in the job definition}"

# The array: children 0..N-1, each with AWS_BATCH_JOB_ARRAY_INDEX set by Batch; --shards N via the parameter.
array_id=$(aws batch submit-job \
  --job-name prep-data-cpt \
  --job-queue "$queue" \
  --job-definition prep-data \
  --array-properties "size=$n" \
  --parameters "shards=$n" \
  --query jobId --output text)
echo "array job $array_id: $n tasks"

# The merge: refuses (exit 3, naming it) if any shard is missing or its manifest does not say completed.
pad=$(printf '%05d' "$n")
merge_id=$(aws batch submit-job \
  --job-name prep-data-merge \
  --job-queue "$queue" \
  --job-definition prep-data \
  --depends-on "jobId=$array_id" \
  --container-overrides "command=[\"merge\",\"s3://$bucket/cpt/train-*-of-$pad.jsonl\",\"--dedup\",\"exact\",\"--model\",\"titan-express\",\"-o\",\"s3://$bucket/cpt/merged/train.jsonl\"]" \
  --query jobId --output text)
echo "merge job $merge_id runs after $array_id"
