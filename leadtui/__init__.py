"""leadtui — a keyboard-driven terminal console for sales leads, pools and customers."""

__version__ = "0.1.0"
