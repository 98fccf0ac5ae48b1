"""Register models (filled in by the register work)."""
