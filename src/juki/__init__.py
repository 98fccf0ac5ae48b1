"""juki — an open-source Basic Resident Register (住民基本台帳) for Japanese municipalities."""

__version__ = "0.1.0"
