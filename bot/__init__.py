"""upstream-bot: inventories a rebuild distribution's downstream changes and gets them upstream."""

__version__ = "0.1.0"
