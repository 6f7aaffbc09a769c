"""editwatch: watches news articles and alerts when one is edited (version only here)."""

__all__ = ["__version__"]

__version__ = "0.1.0"
