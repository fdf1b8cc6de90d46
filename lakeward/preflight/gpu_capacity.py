"""vCPUs of the GPU instance types the environment allows, and the EC2 quota each family counts against.

On-Demand instance quotas are counted in vCPUs per instance family group. Sources:
- vCPU counts: https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html (accelerated computing
  instance specifications).
- quota codes: https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html and the
  Service Quotas console (service code `ec2`).
"""

from __future__ import annotations

from dataclasses import dataclass

VCPU_SOURCE = "https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html"
QUOTA_SOURCE = "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html"

_G_SIZES = {"xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64}
_G_LARGE = {"24xlarge": 96, "48xlarge": 192}
GPU_VCPUS: dict[str, int] = {
    **{f"g4dn.{size}": vcpus for size, vcpus in _G_SIZES.items()},
    "g4dn.metal": 96,
    **{
        f"{family}.{size}": vcpus
        for family in ("g5", "g6", "g6e")
        for size, vcpus in (_G_SIZES | _G_LARGE).items()
    },
    "p3.2xlarge": 8,
    "p3.8xlarge": 32,
    "p3.16xlarge": 64,
    "p4d.24xlarge": 96,
    "p5.48xlarge": 192,
}


@dataclass(frozen=True)
class Quota:
    code: str
    name: str


G_AND_VT = Quota("L-DB2E81BA", "Running On-Demand G and VT instances")
P = Quota("L-417A185B", "Running On-Demand P instances")


def quota_for(node_type: str) -> Quota:
    """The On-Demand vCPU quota an instance type counts against (G and VT, or P)."""
    return P if node_type.startswith("p") else G_AND_VT
