variable "name" {
  type = string
}

variable "manage_principal" {
  type    = string
  default = null
}

resource "databricks_secret_scope" "this" {
  name                     = var.name
  initial_manage_principal = var.manage_principal
}
