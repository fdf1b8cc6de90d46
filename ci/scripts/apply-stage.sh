#!/usr/bin/env bash
# Usage: apply-stage.sh PLANS_DIR ENV STAGE   (STAGE: foundation, with the metastore stack first where
# this environment creates it; account; workspace; or tenants, with the serving stack first and the
# retrieval stack, whose indexes read the tenants' tables, last)
# Applies the plans that plan-stacks.sh saved for one stage of one environment, and nothing else: it
# refuses when the plans are missing, when a file differs from SHA256SUMS or is not listed there, or when
# they were planned from another tree than the one checked out. Terraform itself refuses a saved plan
# whose state changed since it was made ("Saved plan is stale").
set -euo pipefail

usage="usage: apply-stage.sh PLANS_DIR ENV foundation|account|workspace|tenants"
plans_dir=${1:?$usage}
env_name=${2:?$usage}
stage=${3:?$usage}
refuse() {
  echo "error: $1; nothing was applied" >&2
  echo "  fix: $2" >&2
  exit 1
}

[[ -f "$plans_dir/SHA256SUMS" && -f "$plans_dir/source" ]] ||
  refuse "no saved plans in $plans_dir" "merge a pull request whose lakeward-pr run saved its plans"
(cd "$plans_dir" && sha256sum --check --strict --quiet SHA256SUMS) ||
  refuse "a saved plan file does not match its digest" "rerun the pull request's checks, review, merge again"
unlisted=$(cd "$plans_dir" && comm -23 <(find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort) \
  <(sed 's/^[0-9a-f]*  //' SHA256SUMS | LC_ALL=C sort))
[[ -z "$unlisted" ]] || refuse "files not listed in SHA256SUMS: $unlisted" "use the artifact as the pull request saved it"
planned_tree=$(sed -n 's/^tree //p' "$plans_dir/source")
[[ "$planned_tree" == "$(git rev-parse 'HEAD^{tree}')" ]] ||
  refuse "the plans are stale: they were made from tree $planned_tree, not from the tree being deployed" \
    "update the pull request branch with main so that its checks plan again, review and merge"

shopt -s nullglob
case "$stage" in
  foundation | account | workspace)
    stacks=("$plans_dir/lakeward-$env_name-$stage")
    [[ -d "${stacks[0]}" ]] || refuse "no saved plan for lakeward-$env_name-$stage" "plan $env_name in the pull request"
    # The region's metastore stack exists only in the environment that creates it, and goes first.
    if [[ "$stage" == foundation && -d "$plans_dir/lakeward-$env_name-metastore" ]]; then
      stacks=("$plans_dir/lakeward-$env_name-metastore" "${stacks[@]}")
    fi
    ;;
  # The serving stack (endpoints of released model versions), each tenant, then the retrieval stack.
  tenants)
    stacks=("$plans_dir/lakeward-$env_name-servin"[g]/ "$plans_dir/lakeward-$env_name-tenant-"*/
      "$plans_dir/lakeward-$env_name-retrieva"[l]/)
    ;;
  *) refuse "unknown stage '$stage'" "$usage" ;;
esac
for stack_dir in "${stacks[@]%/}"; do
  stack=$(basename "$stack_dir")
  terraform -chdir="$stack_dir" init -input=false -no-color
  echo "terraform apply: $stack_dir/$stack.tfplan"
  terraform -chdir="$stack_dir" apply -input=false -no-color "$stack.tfplan"
done
