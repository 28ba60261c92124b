"""caulk: make container images safe to run."""

__version__ = "0.1.0"
__all__ = ["__version__"]
