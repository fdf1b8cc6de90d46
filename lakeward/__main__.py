"""`python -m lakeward` runs the CLI."""

from lakeward.cli import main

main()
