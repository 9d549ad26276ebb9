"""tripwire: official sanctions lists in, versioned and diffable; screening builds on them."""

__version__ = "0.1.0"

__all__ = ["__version__"]
