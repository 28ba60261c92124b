"""`python -m caulk …` runs the CLI."""

from caulk.cli.main import main

main()
