"""Checks: image hygiene (`check.image`) and the Dockerfile linter (`check.dockerfile`), sharing one
rule registry (`check.rules`)."""
