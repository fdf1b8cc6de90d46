"""What the jobs install, uploaded by the deploy itself to content-addressed paths: the wheel and the
requirements files of the extras its entry points import (`lakeward.job_requirements`).

Each file travels with the synthesized stack as a Terraform asset (`OUT/stacks/<stack>/assets/...`),
so the plan and the apply need nothing outside the output folder, and `databricks_file` uploads it to
`/Volumes/<catalog>/raw/artifacts/<sha256>/<file>` (the resource takes a local `source` and a volume
`path`: https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/file).
A new version has a new path, so it never overwrites the old file in place: the new file is created
before the old one is removed (`create_before_destroy`), and the jobs move to it in between.
"""

from __future__ import annotations

from pathlib import Path

from cdktn import AssetType, TerraformAsset, TerraformResourceLifecycle
from cdktn_provider_databricks.file import File
from cdktn_provider_databricks.volume import Volume
from constructs import Construct

from lakeward.job_requirements import Requirements
from lakeward.wheel import Wheel


def _upload(scope: Construct, kind: str, source: Path, sha256: str, path: str, volume: Volume) -> File:
    asset = TerraformAsset(scope, f"{kind}-asset", path=str(source), type=AssetType.FILE, asset_hash=sha256)
    return File(
        scope,
        kind,
        source=asset.path,
        path=path,
        lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        depends_on=[volume],
    )


class WheelUpload(Construct):
    """Upload `wheel` into the artifacts volume; `path` is what job libraries install."""

    def __init__(self, scope: Construct, id_: str, *, wheel: Wheel, volume: Volume, volume_path: str) -> None:
        super().__init__(scope, id_)
        self.path = wheel.volume_path(volume_path)
        self.file = _upload(self, "wheel", wheel.path, wheel.sha256, self.path, volume)


class RequirementsUpload(Construct):
    """Upload a requirements file into the artifacts volume; `path` is what job libraries install."""

    def __init__(
        self, scope: Construct, id_: str, *, requirements: Requirements, volume: Volume, volume_path: str
    ) -> None:
        super().__init__(scope, id_)
        self.path = requirements.volume_path(volume_path)
        source = requirements.write()
        self.file = _upload(self, "requirements", source, requirements.sha256, self.path, volume)
