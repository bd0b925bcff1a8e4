"""release-gate tests."""
