"""offscreen: sets screen time against face-to-face connection."""

__version__ = "0.1.0"
