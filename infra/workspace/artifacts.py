"""The wheel the jobs install, uploaded by the deploy itself to a content-addressed path.

The file travels with the synthesized stack as a Terraform asset (`OUT/stacks/<stack>/assets/...`),
so the plan and the apply need nothing outside the output folder, and `databricks_file` uploads it to
`/Volumes/<catalog>/raw/artifacts/<sha256>/<wheel>` (the resource takes a local `source` and a volume
`path`: https://registry.terraform.io/providers/databricks/databricks/latest/docs/resources/file).
A new version has a new path, so it never overwrites the old file in place: the new file is created
before the old one is removed (`create_before_destroy`), and the jobs move to it in between.
"""

from __future__ import annotations

from cdktn import AssetType, TerraformAsset, TerraformResourceLifecycle
from cdktn_provider_databricks.file import File
from cdktn_provider_databricks.volume import Volume
from constructs import Construct

from lakeward.wheel import Wheel


class WheelUpload(Construct):
    """Upload `wheel` into the artifacts volume; `path` is what job libraries install."""

    def __init__(self, scope: Construct, id_: str, *, wheel: Wheel, volume: Volume, volume_path: str) -> None:
        super().__init__(scope, id_)
        asset = TerraformAsset(
            self, "wheel-asset", path=str(wheel.path), type=AssetType.FILE, asset_hash=wheel.sha256
        )
        self.path = wheel.volume_path(volume_path)
        self.file = File(
            self,
            "wheel",
            source=asset.path,
            path=self.path,
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            depends_on=[volume],
        )
