variable "environment" {
  type    = string
  default = "prod"
}

variable "reader_groups" {
  type    = list(string)
  default = ["analysts", "data-scientists"]
}

variable "corporate_ranges" {
  type    = list(string)
  default = ["203.0.113.0/24", "198.51.100.0/24"]
}

variable "databricks_account_id" {
  type    = string
  default = "0d26daa6-5e44-4c97-a497-ef015f91254a"
}

variable "endpoints" {
  type = map(object({ model = string, max_concurrency = number }))
  default = {
    chat  = { model = "system.ai.databricks-meta-llama-3-3-70b-instruct", max_concurrency = 8 }
    embed = { model = "system.ai.databricks-gte-large-en", max_concurrency = 4 }
  }
}

variable "schema_grants" {
  type = map(list(string))
  default = {
    analysts          = ["USE_SCHEMA", "SELECT"]
    "platform-admins" = ["ALL_PRIVILEGES"]
  }
}
