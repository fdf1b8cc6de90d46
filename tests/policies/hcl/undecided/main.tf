# Values the HCL leaves open: no check may pass on them.

variable "allowed_ranges" {
  type = list(string)
}

variable "catalog_grants" {
  type = map(list(string))
}

variable "pii_behavior" {
  type = string
}

resource "databricks_ip_access_list" "corporate" {
  label        = "corporate"
  list_type    = "ALLOW"
  ip_addresses = var.allowed_ranges
}

resource "databricks_grants" "catalog" {
  catalog = "governed"
  dynamic "grant" {
    for_each = var.catalog_grants
    content {
      principal  = grant.key
      privileges = grant.value
    }
  }
}

resource "databricks_cluster_policy" "jobs" {
  name       = "jobs"
  definition = file("${path.module}/policy.json")
}

resource "databricks_model_serving" "chat" {
  name = "chat"
  config {
    served_entities {
      name                        = "chat"
      entity_name                 = "system.ai.databricks-meta-llama-3-3-70b-instruct"
      entity_version              = "1"
      max_provisioned_concurrency = 4
    }
  }
  ai_gateway {
    guardrails {
      input {
        pii {
          behavior = var.pii_behavior
        }
      }
      output {
        pii {
          behavior = "MASK"
        }
      }
    }
  }
}

# The workspace settings come from a registry module Lakeward does not download.
resource "databricks_storage_credential" "metastore" {
  name = "metastore"
  aws_iam_role {
    role_arn = "arn:aws:iam::123456789012:role/metastore-access"
  }
}

module "workspace_settings" {
  source  = "app.terraform.io/acme/workspace-settings/databricks"
  version = "1.2.0"
}
