"""The privacy admin, one module per part (each registers its own models)."""

from privacy.admin import erasure, exports, notice, retention  # noqa: F401
