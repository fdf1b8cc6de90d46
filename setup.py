"""Maps the top-level source folders onto the `lakeward` package namespace."""

from setuptools import find_packages, setup

ROOTS = {
    "lakeward": "lakeward",
    "lakeward.infra": "infra",
    "lakeward.stacks": "stacks",
    "lakeward.workloads": "workloads",
    "lakeward.policies": "policies",
}

packages = [
    f"{package}.{sub}" if sub else package
    for package, folder in ROOTS.items()
    for sub in ["", *find_packages(folder)]
]

setup(packages=packages, package_dir=ROOTS, include_package_data=True, package_data={"": ["*.yaml"]})
