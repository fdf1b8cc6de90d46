"""The folder checkov loads with `--external-checks-dir`; it needs this file to import `lakeward_pack`."""
