# Each planted violation is written in one of the styles real modules use.

variable "environment" {
  type    = string
  default = "prod"
}

# A variable with a default: the broad group reaches a write privilege.
variable "reader_group" {
  type    = string
  default = "account users"
}

# A map that a dynamic block iterates: one entry gives everyone ALL_PRIVILEGES.
variable "schema_grants" {
  type = map(list(string))
  default = {
    analysts        = ["USE_SCHEMA", "SELECT"]
    "account users" = ["ALL_PRIVILEGES"]
  }
}

variable "endpoints" {
  type = map(object({ model = string, pii = string }))
  default = {
    chat  = { model = "system.ai.databricks-meta-llama-3-3-70b-instruct", pii = "BLOCK" }
    embed = { model = "system.ai.databricks-gte-large-en", pii = "NONE" }
  }
}

# A local: the allow list holds the whole internet.
locals {
  allowed_ranges = ["203.0.113.0/24", "0.0.0.0/0"]
}

resource "databricks_catalog" "main" {
  name = "governed_${var.environment}"
}

resource "databricks_grants" "catalog" {
  catalog = databricks_catalog.main.name
  grant {
    principal  = var.reader_group
    privileges = ["USE_CATALOG", "MODIFY"]
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

resource "databricks_ip_access_list" "corporate" {
  label        = "corporate"
  list_type    = "ALLOW"
  ip_addresses = local.allowed_ranges
}

# jsonencode: the access mode is only a default users can override.
resource "databricks_cluster_policy" "jobs" {
  name = "jobs-${var.environment}"
  definition = jsonencode({
    "autotermination_minutes"      = { type = "range", minValue = 10, maxValue = 60 }
    "data_security_mode"           = { type = "unlimited", defaultValue = "USER_ISOLATION" }
    "spark_version"                = { type = "fixed", value = "16.4.x-scala2.12" }
    "custom_tags.Owner"            = { type = "fixed", value = "platform" }
    "custom_tags.CostCenter"       = { type = "fixed", value = "cc-1234" }
    "autoscale.max_workers"        = { type = "range", maxValue = 8 }
    "num_workers"                  = { type = "range", maxValue = 8 }
    "dbus_per_hour"                = { type = "range", maxValue = 50 }
    "enable_local_disk_encryption" = { type = "fixed", value = true }
    "ssh_public_keys.*"            = { type = "forbidden" }
    "docker_image.url"             = { type = "forbidden" }
    "node_type_id"                 = { type = "fixed", value = "m6i.xlarge" }
  })
}

# count: the second GPU pool keeps an idle instance.
resource "databricks_instance_pool" "gpu" {
  count                                 = 2
  instance_pool_name                    = "gpu-${count.index}"
  node_type_id                          = "g5.xlarge"
  min_idle_instances                    = count.index
  max_capacity                          = 4
  idle_instance_autotermination_minutes = 15
  custom_tags                           = { Owner = "platform", CostCenter = "cc-1234" }
}

# for_each: the embed endpoint lets PII through in prompts.
resource "databricks_model_serving" "endpoint" {
  for_each = var.endpoints
  name     = "${each.key}-${var.environment}"
  config {
    served_entities {
      name                        = each.key
      entity_name                 = each.value.model
      entity_version              = "1"
      max_provisioned_concurrency = 4
      scale_to_zero_enabled       = false
    }
  }
  ai_gateway {
    rate_limits {
      key            = "user"
      calls          = 60
      renewal_period = "minute"
    }
    rate_limits {
      key            = "endpoint"
      calls          = 600
      renewal_period = "minute"
    }
    inference_table_config {
      enabled      = true
      catalog_name = databricks_catalog.main.name
      schema_name  = "inference"
    }
    guardrails {
      input {
        pii {
          behavior = each.value.pii
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
}

# A module call: the scope it creates makes every user its manager.
module "app_secrets" {
  source           = "./modules/secret_scope"
  name             = "app-${var.environment}"
  manage_principal = "users"
}
