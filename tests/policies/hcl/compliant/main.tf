locals {
  tags            = { Owner = "platform", CostCenter = "cc-1234" }
  runtime         = "16.4.x-scala2.12"
  read_privileges = ["USE_CATALOG", "USE_SCHEMA", "SELECT"]
}

resource "databricks_cluster_policy" "jobs" {
  name = "jobs-${var.environment}"
  definition = jsonencode({
    "autotermination_minutes"      = { type = "range", minValue = 10, maxValue = 60 }
    "data_security_mode"           = { type = "fixed", value = "USER_ISOLATION" }
    "spark_version"                = { type = "allowlist", values = [local.runtime] }
    "custom_tags.Owner"            = { type = "fixed", value = local.tags.Owner }
    "custom_tags.CostCenter"       = { type = "fixed", value = local.tags["CostCenter"] }
    "autoscale.max_workers"        = { type = "range", maxValue = 8 }
    "num_workers"                  = { type = "range", maxValue = 8 }
    "dbus_per_hour"                = { type = "range", maxValue = 50 }
    "enable_local_disk_encryption" = { type = "fixed", value = true }
    "ssh_public_keys.*"            = { type = "forbidden" }
    "docker_image.url"             = { type = "forbidden" }
    "node_type_id"                 = { type = "allowlist", values = ["m6i.xlarge", "m6i.2xlarge"] }
  })
}

resource "databricks_instance_pool" "gpu" {
  count                                 = 2
  instance_pool_name                    = "gpu-${count.index}"
  node_type_id                          = "g5.xlarge"
  min_idle_instances                    = 0
  max_capacity                          = 4
  idle_instance_autotermination_minutes = 15
  custom_tags                           = local.tags
}

resource "databricks_catalog" "main" {
  name = "governed_${var.environment}"
}

resource "databricks_grants" "catalog" {
  catalog = databricks_catalog.main.name
  grant {
    principal  = "platform-admins"
    privileges = ["ALL_PRIVILEGES"]
  }
  dynamic "grant" {
    for_each = toset(var.reader_groups)
    content {
      principal  = grant.value
      privileges = local.read_privileges
    }
  }
}

resource "databricks_schema" "raw" {
  catalog_name = databricks_catalog.main.name
  name         = "raw"
}

resource "databricks_grants" "schema" {
  schema = databricks_schema.raw.id
  dynamic "grant" {
    for_each = var.schema_grants
    content {
      principal  = grant.key
      privileges = grant.value
    }
  }
}

resource "databricks_workspace_conf" "this" {
  custom_config = {
    enableTokensConfig                = "true"
    maxTokenLifetimeDays              = "90"
    enableIpAccessLists               = "true"
    enableVerboseAuditLogs            = "true"
    enableResultsDownloading          = "false"
    enableExportNotebook              = "false"
    enableEnforceImdsV2               = "true"
    enableDeprecatedGlobalInitScripts = "false"
  }
}

resource "databricks_ip_access_list" "corporate" {
  label        = "corporate"
  list_type    = "ALLOW"
  ip_addresses = var.corporate_ranges
  depends_on   = [databricks_workspace_conf.this]
}

resource "databricks_model_serving" "endpoint" {
  for_each = var.endpoints
  name     = "${each.key}-${var.environment}"
  config {
    served_entities {
      name                        = each.key
      entity_name                 = each.value.model
      entity_version              = "1"
      min_provisioned_concurrency = 0
      max_provisioned_concurrency = each.value.max_concurrency
      scale_to_zero_enabled       = false
    }
  }
  ai_gateway {
    dynamic "rate_limits" {
      for_each = { user = 60, endpoint = 600 }
      content {
        key            = rate_limits.key
        calls          = rate_limits.value
        renewal_period = "minute"
      }
    }
    inference_table_config {
      enabled      = true
      catalog_name = databricks_catalog.main.name
      schema_name  = "inference"
    }
    guardrails {
      input {
        pii {
          behavior = "BLOCK"
        }
      }
      output {
        pii {
          behavior = "MASK"
        }
      }
    }
    usage_tracking_config {
      enabled = true
    }
  }
  tags {
    key   = "Tier"
    value = var.environment
  }
}

module "app_secrets" {
  source           = "./modules/secret_scope"
  name             = "app-${var.environment}"
  manage_principal = "platform-admins"
}

resource "databricks_restrict_workspace_admins_setting" "this" {
  restrict_workspace_admins {
    status = "RESTRICT_TOKENS_AND_JOB_RUN_AS"
  }
}

# The metastore's storage credential: the workspace stack's anchor for the settings it must hold.
resource "databricks_storage_credential" "metastore" {
  name = "metastore-${var.environment}"
  aws_iam_role {
    role_arn = aws_iam_role.cross_account.arn
  }
}
