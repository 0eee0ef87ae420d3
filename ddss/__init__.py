"""ddss — data-quality pipeline for Vietnam's public records (đúng, đủ, sạch, sống)."""

__all__ = ["__version__"]
__version__ = "0.1.0"
