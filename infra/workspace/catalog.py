"""The LLM pipeline's Unity Catalog: storage credential, its IAM role, external location, catalog,
schemas, grants.

The order is the provider's documented one: the storage credential first, naming the role by ARN; then
the role, trusting the credential's external ID; then the external location, which validates the
credential, once the role's policy exists.

Grants are authoritative (`databricks_grants` replaces whatever else is granted) and least-privilege:
nobody holds ALL_PRIVILEGES, readers only read what is curated or evaluated.
"""

from __future__ import annotations

from cdktn_provider_databricks.catalog import Catalog
from cdktn_provider_databricks.external_location import ExternalLocation
from cdktn_provider_databricks.grants import Grants, GrantsGrant
from cdktn_provider_databricks.schema import Schema
from cdktn_provider_databricks.storage_credential import StorageCredential, StorageCredentialAwsIamRole
from constructs import Construct

from infra.aws.iam import UnityCatalogRole, unity_catalog_role_arn
from infra.config import Environment
from lakeward.governance.library import SCHEMA as GOVERNANCE_SCHEMA

READ = ("USE_SCHEMA", "SELECT", "EXECUTE")
WRITE = ("USE_SCHEMA", "SELECT", "MODIFY", "CREATE_TABLE", "READ_VOLUME", "WRITE_VOLUME")
BUILD = (*WRITE, "CREATE_VOLUME", "CREATE_FUNCTION", "CREATE_MODEL", "EXECUTE")

# Who may do what in each pipeline schema; schemas not listed get the `default` row.
SCHEMA_ACCESS: dict[str, dict[str, tuple[str, ...]]] = {
    "raw": {"engineers": BUILD, "jobs": WRITE},
    "curated": {"engineers": BUILD, "jobs": WRITE, "readers": READ},
    "chunks": {"engineers": BUILD, "jobs": WRITE},
    "embeddings": {"engineers": BUILD, "jobs": WRITE},
    "evaluation": {"engineers": BUILD, "jobs": WRITE, "readers": READ},
    "prompts": {"engineers": BUILD, "jobs": READ, "readers": ("USE_SCHEMA", "EXECUTE")},
    # The bootstrap's mask and row-filter functions: admins own the schema and create them.
    GOVERNANCE_SCHEMA: {"engineers": ("USE_SCHEMA", "EXECUTE")},
    "default": {"engineers": BUILD, "jobs": WRITE},
}
CATALOG_ACCESS: dict[str, tuple[str, ...]] = {
    "admins": ("USE_CATALOG", "USE_SCHEMA", "CREATE_SCHEMA", "BROWSE", "APPLY_TAG", "SELECT", "MODIFY"),
    "engineers": ("USE_CATALOG", "BROWSE"),
    "readers": ("USE_CATALOG",),
    "jobs": ("USE_CATALOG",),
}


def _grants(principals: dict[str, str], access: dict[str, tuple[str, ...]]) -> list[GrantsGrant]:
    return [
        GrantsGrant(principal=principals[role], privileges=list(privileges))
        for role, privileges in access.items()
    ]


class PipelineCatalog(Construct):
    """Catalog and schemas of the LLM pipeline, with their storage and authoritative grants."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        bucket_name: str,
        bucket_arn: str,
        kms_key_arn: str,
        jobs_principal: str,
    ) -> None:
        super().__init__(scope, id_)
        groups = env.groups
        self.principals = {
            "admins": groups.admins,
            "engineers": groups.engineers,
            "readers": groups.readers,
            "jobs": jobs_principal,
        }
        name = env.catalog.name
        credential = StorageCredential(
            self,
            "storage-credential",
            name=f"{env.prefix}-uc",
            owner=groups.admins,
            aws_iam_role=StorageCredentialAwsIamRole(role_arn=unity_catalog_role_arn(env)),
            isolation_mode="ISOLATION_MODE_ISOLATED",
            comment="Unity Catalog storage of the LLM pipeline",
        )
        self.role = UnityCatalogRole(
            self,
            "role",
            env=env,
            external_id=credential.aws_iam_role.external_id,
            bucket_arn=bucket_arn,
            kms_key_arn=kms_key_arn,
        )
        # IAM takes a while to propagate a new role: the Security Reference Architecture waits 60 s
        # (time_sleep) before the external location; these stacks use only the AWS and Databricks
        # providers, so the location skips its creation-time check (docs/deploy.md: verify it after).
        location = ExternalLocation(
            self,
            "location",
            name=f"{env.prefix}-uc",
            url=f"s3://{bucket_name}/",
            credential_name=credential.name,
            owner=groups.admins,
            isolation_mode="ISOLATION_MODE_ISOLATED",
            read_only=False,
            skip_validation=True,
            comment="Managed storage root of the pipeline catalog",
            depends_on=[self.role.policy],
        )
        Grants(
            self,
            "credential-grants",
            storage_credential=credential.id,
            grant=[GrantsGrant(principal=groups.admins, privileges=["CREATE_EXTERNAL_LOCATION"])],
        )
        Grants(
            self,
            "location-grants",
            external_location=location.id,
            grant=[GrantsGrant(principal=groups.admins, privileges=["CREATE_MANAGED_STORAGE", "BROWSE"])],
        )
        self.catalog = Catalog(
            self,
            "catalog",
            name=name,
            owner=groups.admins,
            isolation_mode="ISOLATED",
            storage_root=f"s3://{bucket_name}/catalogs/{name}",
            comment=f"LLM pipeline ({env.name})",
            properties={"environment": env.name, "managed_by": "lakeward"},
            force_destroy=False,
            depends_on=[location],
        )
        Grants(
            self, "catalog-grants", catalog=self.catalog.name, grant=_grants(self.principals, CATALOG_ACCESS)
        )
        self.schemas: dict[str, Schema] = {}
        for schema_name in (*env.catalog.schemas, GOVERNANCE_SCHEMA):
            schema = Schema(
                self,
                f"schema-{schema_name}",
                catalog_name=self.catalog.name,
                name=schema_name,
                owner=groups.admins,
                comment=f"{schema_name} stage of the LLM pipeline"
                if schema_name != GOVERNANCE_SCHEMA
                else "mask and row-filter functions of lakeward bootstrap",
                force_destroy=False,
            )
            self.schemas[schema_name] = schema
            access = SCHEMA_ACCESS.get(schema_name, SCHEMA_ACCESS["default"])
            Grants(
                self, f"schema-{schema_name}-grants", schema=schema.id, grant=_grants(self.principals, access)
            )
