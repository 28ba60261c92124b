"""Real test images built from Debian packages (see recipes.py, build.py)."""
