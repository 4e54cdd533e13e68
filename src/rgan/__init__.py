"""Recurrent (conditional) GANs for labelled sequences, and measures of their use and privacy."""

__version__ = "0.1.0"
