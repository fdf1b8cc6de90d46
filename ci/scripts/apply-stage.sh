#!/usr/bin/env bash
# Usage: apply-stage.sh PLANS_DIR ENV STAGE   (STAGE: a stage of `lakeward ci stages --env ENV`, which lists
# them in the order of stacks/stages.py)
# Runs one deploy stage of one environment. A stack stage applies the plans that plan-stacks.sh saved
# for its stacks, and nothing else: it refuses when the plans are missing, when a file differs from
# SHA256SUMS or is not listed there, when they were planned from another tree than the one checked out,
# or when a stack of the stage was not planned (its plan failed or waited for a step). Terraform itself
# refuses a saved plan whose state changed since it was made ("Saved plan is stale"). A step stage runs
# its command (`lakeward bootstrap --env ENV`); a skipped stage (the model release; serving while no
# champion is released) says why. LAKEWARD names the command that runs Lakeward (default: `lakeward`).
set -euo pipefail

usage="usage: apply-stage.sh PLANS_DIR ENV STAGE (see \`lakeward ci stages --env ENV\`)"
plans_dir=${1:?$usage}
env_name=${2:?$usage}
stage=${3:?$usage}
read -ra cli <<<"${LAKEWARD:-lakeward}"
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
listed=$("${cli[@]}" ci stages --env "$env_name")
line=$(awk -F '\t' -v stage="$stage" '$1 == stage' <<<"$listed")
[[ -n "$line" ]] || refuse "unknown stage '$stage'" "use one of: $(cut -f1 <<<"$listed" | paste -sd ' ')"
IFS=$'\t' read -r _ action target <<<"$line"
case "$action" in
  skip)
    echo "$stage: not run by the deploy: $target"
    exit 0
    ;;
  run)
    read -ra command <<<"$target"
    [[ "${command[0]}" == "lakeward" ]] || refuse "step $stage runs '$target'" "run steps through Lakeward"
    echo "$stage: $target"
    exec "${cli[@]}" "${command[@]:1}"
    ;;
esac
# A tenant stage has one stack per tenant; every other stack kind, at most one stack per environment.
[[ "$target" == tenant ]] && prefix="lakeward-$env_name-tenant-" || prefix="lakeward-$env_name-$target"
waited=()
for log in "$plans_dir/$prefix"*.plan.log; do
  stack=$(basename "$log" .plan.log)
  [[ "$target" == tenant || "$stack" == "$prefix" ]] && waited+=("$stack")
done
((${#waited[@]} == 0)) || refuse "not planned: ${waited[*]} (see STACK.plan.log with the plans)" \
  "plan again in a pull request once what the plan waited for has run (\`lakeward ci summary\` says what)"
stacks=()
for stack_dir in "$plans_dir/$prefix"*/; do
  stack=$(basename "$stack_dir")
  [[ "$target" == tenant || "$stack" == "$prefix" ]] && stacks+=("${stack_dir%/}")
done
if ((${#stacks[@]} == 0)); then
  echo "$stage: no stack of this stage in $env_name; nothing to apply"
  exit 0
fi
for stack_dir in "${stacks[@]}"; do
  stack=$(basename "$stack_dir")
  terraform -chdir="$stack_dir" init -input=false -no-color
  echo "terraform apply: $stack_dir/$stack.tfplan"
  terraform -chdir="$stack_dir" apply -input=false -no-color "$stack.tfplan"
done
