"""Pure analytics for detecting faked credit. Imports only numpy (and `ecredit.kit`), never Django:
arrays or data frames in, arrays, data frames or plain dataclasses out, so the same code runs in a
notebook, a test, the `findings` app, or beside the PySpark engine."""

from ecredit.detection.rings import Ring, block_density, find_rings, order_weights

__all__ = ["Ring", "block_density", "find_rings", "order_weights"]
