"""Terraform template sequences that no Lakeward construct wrote.

Terraform evaluates `${...}` and `%{...}` in every string of a `.tf.json` file, so text from a spec or an
environment file that reached the JSON unescaped runs as code at plan time (`${file("/etc/passwd")}`
prints the deploying machine's files). The stacks write only plain references; anything else in a
resource, or in a data source it reads, is a finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..base import Policy, Resource, Severity
from ..contract import foreign_templates, references_in


class NoForeignTemplates(Policy):
    id = "LKW_DBX_090"
    name = "No Terraform template sequence that Lakeward did not write"
    severity = Severity.CRITICAL
    resource_types = ("*",)
    rationale = (
        "A template in configuration text runs as code on the machine that plans or applies the stack."
    )
    remediation = (
        "Remove the ${ or %{ from the spec or environment value; text meant literally is written $${ or %%{."
    )
    soc2 = ("CC6.8", "CC8.1")
    iso27001 = ("A.8.9",)
    hipaa = ("164.312(c)(1)",)
    # In HCL the author writes the templates; the check guards text that reached generated JSON.
    synthesized_only = True

    def problems(self, resource: Resource) -> Iterator[str]:
        for snippet in foreign_templates(resource.attributes):
            yield f"template sequence {snippet!r}"
        data = resource.document.get("data", {})
        read = {(r.type, r.name) for r in references_in(resource.attributes) if r.data}
        for type_, name in sorted(read):
            body = data.get(type_, {}).get(name) if isinstance(data.get(type_), dict) else None
            for snippet in foreign_templates(body):
                yield f"template sequence {snippet!r} in data.{type_}.{name}, which it reads"
