"""smsconsole: a keyboard-driven terminal admin console for a bulk-SMS platform."""

__version__ = "0.1.0"
