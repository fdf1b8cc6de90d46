#!/usr/bin/env bash
# Usage: plan-stacks.sh SYNTH_DIR PLANS_DIR
# Plans every stack of a `lakeward synth --out SYNTH_DIR` folder and saves, per stack, what the deploy
# applies later: PLANS_DIR/STACK/{cdk.tf.json,.terraform.lock.hcl,STACK.tfplan} and the plan's JSON
# (PLANS_DIR/STACK.plan.json, for `lakeward ci summary`). PLANS_DIR/source names the commit and tree that
# were planned; PLANS_DIR/SHA256SUMS holds the digest of every file. A stack whose plan fails leaves
# PLANS_DIR/STACK.plan.log instead, and the others are still planned: `lakeward ci summary` tells a plan
# that waits for a deploy step (a tenant stack before `lakeward bootstrap` has run) from a failure, and
# exits 1 on a failure; apply-stage.sh refuses a stage with an unplanned stack.
set -euo pipefail

synth_dir=${1:?usage: plan-stacks.sh SYNTH_DIR PLANS_DIR}
plans_dir=${2:?usage: plan-stacks.sh SYNTH_DIR PLANS_DIR}
shopt -s nullglob
configs=("$synth_dir"/stacks/*/cdk.tf.json)
if ((${#configs[@]} == 0)); then
  echo "error: no stacks under $synth_dir/stacks; run \`lakeward synth --out $synth_dir\` first" >&2
  exit 2
fi
mkdir -p "$plans_dir"
for config in "${configs[@]}"; do
  stack_dir=$(dirname "$config")
  stack=$(basename "$stack_dir")
  echo "terraform plan: $stack"
  terraform -chdir="$stack_dir" init -input=false -no-color
  # -lock=false: planning only reads the state, with a read-only role, while a deploy may hold the lock.
  if ! terraform -chdir="$stack_dir" plan -input=false -no-color -lock=false -out="$stack.tfplan" \
    >"$plans_dir/$stack.plan.log" 2>&1; then
    cat "$plans_dir/$stack.plan.log"
    echo "terraform plan failed: $stack (kept in $plans_dir/$stack.plan.log)" >&2
    rm -f "$stack_dir/$stack.tfplan"
    continue
  fi
  cat "$plans_dir/$stack.plan.log"
  rm "$plans_dir/$stack.plan.log"
  mkdir -p "$plans_dir/$stack"
  terraform -chdir="$stack_dir" show -json "$stack.tfplan" >"$plans_dir/$stack.plan.json"
  cp "$config" "$plans_dir/$stack/"
  # A stack without providers has no lock file.
  [[ ! -f "$stack_dir/.terraform.lock.hcl" ]] || cp "$stack_dir/.terraform.lock.hcl" "$plans_dir/$stack/"
  mv "$stack_dir/$stack.tfplan" "$plans_dir/$stack/"
done
printf 'commit %s\ntree %s\n' "$(git rev-parse HEAD)" "$(git rev-parse 'HEAD^{tree}')" >"$plans_dir/source"
sums=$(cd "$plans_dir" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum)
printf '%s\n' "$sums" >"$plans_dir/SHA256SUMS"
