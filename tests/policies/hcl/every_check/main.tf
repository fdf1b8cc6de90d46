# One resource of each type the pack checks, so every check runs on HCL at least once.

variable "databricks_account_id" {
  type    = string
  default = "0d26daa6-5e44-4c97-a497-ef015f91254a"
}

locals {
  tags = { Owner = "platform", CostCenter = "cc-1234" }
}

resource "aws_s3_bucket" "root" {
  bucket = "every-check-root"
}

resource "aws_s3_bucket_policy" "root" {
  bucket = aws_s3_bucket.root.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.root.arn, "${aws_s3_bucket.root.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

resource "aws_flow_log" "vpc" {
  vpc_id          = "vpc-0123456789abcdef0"
  traffic_type    = "ALL"
  log_destination = aws_s3_bucket.root.arn
}

resource "aws_iam_role" "cross_account" {
  name = "every-check-cross-account"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::414351767826:root" }
      Condition = { StringEquals = { "sts:ExternalId" = var.databricks_account_id } }
    }]
  })
}

resource "aws_kms_key" "workspace" {
  description = "workspace storage"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_vpc_endpoint" "rest_api" {
  vpc_id              = "vpc-0123456789abcdef0"
  service_name        = "com.amazonaws.vpce.us-east-1.vpce-svc-09143d1e626de2f04"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
}

resource "databricks_mws_vpc_endpoint" "rest_api" {
  account_id          = var.databricks_account_id
  aws_vpc_endpoint_id = aws_vpc_endpoint.rest_api.id
  vpc_endpoint_name   = "rest-api"
  region              = "us-east-1"
}

resource "databricks_mws_private_access_settings" "pas" {
  private_access_settings_name = "pas"
  region                       = "us-east-1"
  public_access_enabled        = true
  private_access_level         = "ENDPOINT"
  allowed_vpc_endpoint_ids     = [databricks_mws_vpc_endpoint.rest_api.vpc_endpoint_id]
}

resource "databricks_mws_networks" "this" {
  account_id         = var.databricks_account_id
  network_name       = "network"
  vpc_id             = "vpc-0123456789abcdef0"
  subnet_ids         = ["subnet-0a", "subnet-0b"]
  security_group_ids = ["sg-0a"]
  vpc_endpoints {
    rest_api        = [databricks_mws_vpc_endpoint.rest_api.vpc_endpoint_id]
    dataplane_relay = [databricks_mws_vpc_endpoint.rest_api.vpc_endpoint_id]
  }
}

resource "databricks_mws_customer_managed_keys" "workspace" {
  account_id = var.databricks_account_id
  aws_key_info {
    key_arn = aws_kms_key.workspace.arn
  }
  use_cases = ["STORAGE", "MANAGED_SERVICES"]
}

resource "databricks_mws_workspaces" "this" {
  account_id                               = var.databricks_account_id
  workspace_name                           = "every-check"
  aws_region                               = "us-east-1"
  pricing_tier                             = "ENTERPRISE"
  network_id                               = databricks_mws_networks.this.network_id
  private_access_settings_id               = databricks_mws_private_access_settings.pas.private_access_settings_id
  storage_customer_managed_key_id          = databricks_mws_customer_managed_keys.workspace.customer_managed_key_id
  managed_services_customer_managed_key_id = databricks_mws_customer_managed_keys.workspace.customer_managed_key_id
}

resource "databricks_mws_log_delivery" "audit" {
  account_id               = var.databricks_account_id
  config_name              = "audit"
  log_type                 = "AUDIT_LOGS"
  output_format            = "JSON"
  credentials_id           = "cred"
  storage_configuration_id = "storage"
  workspace_ids_filter     = [databricks_mws_workspaces.this.workspace_id]
}

resource "databricks_metastore" "this" {
  name   = "primary"
  region = "us-east-1"
}

resource "databricks_cluster_policy" "jobs" {
  name = "jobs"
  definition = jsonencode({
    "autotermination_minutes" = { type = "range", minValue = 10, maxValue = 60 }
    "data_security_mode"      = { type = "fixed", value = "USER_ISOLATION" }
    "spark_version"           = { type = "fixed", value = "16.4.x-scala2.12" }
    "instance_pool_id"        = { type = "fixed", value = databricks_instance_pool.gpu.id }
  })
}

resource "databricks_instance_pool" "gpu" {
  instance_pool_name                    = "gpu"
  node_type_id                          = "g5.xlarge"
  min_idle_instances                    = 0
  max_capacity                          = 4
  idle_instance_autotermination_minutes = 15
  custom_tags                           = local.tags
}

resource "databricks_job" "nightly" {
  name = "nightly"
  run_as {
    service_principal_name = "7f3c9a2e-0d1b-4f6a-9c8e-2b5d4e6f7a8b"
  }
  task {
    task_key = "main"
    new_cluster {
      policy_id     = databricks_cluster_policy.jobs.id
      spark_version = "16.4.x-scala2.12"
      num_workers   = 1
    }
  }
}

resource "databricks_catalog" "main" {
  name = "governed"
}

resource "databricks_grants" "catalog" {
  catalog = databricks_catalog.main.name
  grant {
    principal  = "analysts"
    privileges = ["USE_CATALOG"]
  }
}

resource "databricks_secret_scope" "app" {
  name = "app"
}

resource "databricks_secret_acl" "app" {
  scope      = databricks_secret_scope.app.name
  principal  = "analysts"
  permission = "READ"
}

resource "databricks_permissions" "job" {
  job_id = databricks_job.nightly.id
  access_control {
    group_name       = "analysts"
    permission_level = "CAN_VIEW"
  }
}

resource "databricks_model_serving" "chat" {
  name = "chat"
  config {
    served_entities {
      name                        = "chat"
      entity_name                 = "governed.models.chat"
      entity_version              = "1"
      max_provisioned_concurrency = 4
      scale_to_zero_enabled       = false
    }
  }
  tags {
    key   = "Tier"
    value = "prod"
  }
}

resource "databricks_vector_search_endpoint" "search" {
  name          = "search"
  endpoint_type = "STANDARD"
}

resource "databricks_workspace_conf" "this" {
  custom_config = {
    enableIpAccessLists = "true"
  }
}

resource "databricks_ip_access_list" "corporate" {
  label        = "corporate"
  list_type    = "ALLOW"
  ip_addresses = ["203.0.113.0/24"]
}

resource "databricks_restrict_workspace_admins_setting" "this" {
  restrict_workspace_admins {
    status = "RESTRICT_TOKENS_AND_JOB_RUN_AS"
  }
}

resource "databricks_enhanced_security_monitoring_workspace_setting" "this" {
  enhanced_security_monitoring_workspace {
    is_enabled = true
  }
}

resource "databricks_compliance_security_profile_workspace_setting" "this" {
  compliance_security_profile_workspace {
    is_enabled           = true
    compliance_standards = ["HIPAA"]
  }
}

resource "databricks_disable_legacy_dbfs_setting" "this" {
  disable_legacy_dbfs {
    value = true
  }
}

resource "databricks_disable_legacy_access_setting" "this" {
  disable_legacy_access {
    value = true
  }
}

resource "databricks_automatic_cluster_update_workspace_setting" "this" {
  automatic_cluster_update_workspace {
    enabled = true
  }
}

resource "databricks_storage_credential" "metastore" {
  name = "metastore"
  aws_iam_role {
    role_arn = aws_iam_role.cross_account.arn
  }
}
