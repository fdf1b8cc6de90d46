"""Usage: gitlab_reviewed_plans.py OUT_DIR

On a pipeline of the default branch, find the merge request that the commit merged, its head commit, the
successful merge request pipeline for that head, and extract the artifacts of its `lakeward:plan` jobs
(the saved plans) into OUT_DIR. Exits 1, naming what is missing, when any of these does not exist.
Reads CI_API_V4_URL, CI_PROJECT_ID, CI_COMMIT_SHA and CI_DEFAULT_BRANCH (set by GitLab) and
LAKEWARD_GITLAB_TOKEN (a project access token; docs/ci.md).
"""

from __future__ import annotations

import io
import json
import os
import sys
import urllib.parse
import urllib.request
import zipfile
from typing import Any

PLAN_JOB = "lakeward:plan"


def api(path: str) -> Any:
    request = urllib.request.Request(
        f"{os.environ['CI_API_V4_URL']}/projects/{os.environ['CI_PROJECT_ID']}/{path}",
        headers={"PRIVATE-TOKEN": os.environ["LAKEWARD_GITLAB_TOKEN"]},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    return body if path.endswith("/artifacts") else json.loads(body)


def refuse(message: str) -> None:
    sys.exit(f"error: {message}; nothing is applied without the plans reviewed on its merge request")


def main(out_dir: str) -> None:
    merged, branch = os.environ["CI_COMMIT_SHA"], os.environ["CI_DEFAULT_BRANCH"]
    requests = [
        mr
        for mr in api(f"repository/commits/{merged}/merge_requests")
        if mr["state"] == "merged" and mr["target_branch"] == branch
    ]
    if not requests:
        refuse(f"{merged} is not the merge of a merge request into {branch}")
    head = requests[0]["sha"]
    pipelines = [
        pipeline
        for pipeline in api(f"merge_requests/{requests[0]['iid']}/pipelines")
        if pipeline["sha"] == head and pipeline["status"] == "success"
    ]
    if not pipelines:
        refuse(f"no successful merge request pipeline for its head commit {head}")
    query = urllib.parse.urlencode({"scope[]": "success", "per_page": 100})
    jobs = [
        job for job in api(f"pipelines/{pipelines[0]['id']}/jobs?{query}") if job["name"].startswith(PLAN_JOB)
    ]
    if not jobs:
        refuse(f"pipeline {pipelines[0]['id']} has no successful {PLAN_JOB} job")
    for job in jobs:
        with zipfile.ZipFile(io.BytesIO(api(f"jobs/{job['id']}/artifacts"))) as archive:
            archive.extractall(out_dir)
        print(f"{job['name']}: plans of {head} (pipeline {pipelines[0]['id']}) extracted")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
