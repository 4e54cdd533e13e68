"""Measures of synthetic data: utility (TSTR/TRTS/TRTR) and fidelity (MMD)."""
