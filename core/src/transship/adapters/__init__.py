"""Source adapter contract (see :mod:`transship.adapters.base`)."""
