"""The version of resourceful, read by the package and by every layer that reports it."""

__version__ = "0.1.0.dev0"
