"""IAM and endpoint policy documents as plain JSON strings.

checkov cannot see inside `Fn.jsonencode(...)`, so documents are serialized with `json.dumps`; token
strings (ARNs of resources in the same stack) pass through unchanged and terraform resolves them.
"""

from __future__ import annotations

import json
from typing import Any


def policy(*statements: dict[str, Any]) -> str:
    """Serialize an IAM policy document."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def deny_insecure_transport(bucket_arn: str) -> dict[str, Any]:
    """The statement that makes a bucket TLS-only."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def role_arn(account_id: str, role_name: str) -> str:
    """An IAM role ARN built from its name, for policies that must name a role before it exists."""
    return f"arn:aws:iam::{account_id}:role/{role_name}"
