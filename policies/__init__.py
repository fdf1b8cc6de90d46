"""Policy scans: the Lakeward Databricks pack for checkov, waivers, and `lakeward scan`.

`base`, `registry`, `contract` and `checks/` import only the standard library, because checkov loads them
in its own virtual environment through `checkov_pack/`; the rest (`scan`, `waivers`, `reports`) runs in
Lakeward.
"""
