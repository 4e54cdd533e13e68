"""Recurrent (conditional) GANs for labelled sequences, and measures of their use and privacy."""

__version__ = "0.1.0"


def __getattr__(name: str):
    """`from rgan import RCGAN` imports torch only when asked (the workflow's rules import
    rgan's light modules on every Snakefile parse)."""
    if name in ("RCGAN", "Synthetic"):
        from rgan import api

        return getattr(api, name)
    raise AttributeError(f"module 'rgan' has no attribute {name!r}")
