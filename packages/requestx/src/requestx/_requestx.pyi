"""Type stub of the native module built from rust/requestx (checked by mypy.stubtest)."""

__all__ = ["__version__"]

__version__: str
