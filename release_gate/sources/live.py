"""The live source: GitHub and the package indexes and chart repositories a plan publishes to, in one read."""

from __future__ import annotations

import dataclasses

from release_gate.sources.registries import RegistryReader
from release_gate.state import ReadStats, State, StateProvider, StateRequest

__all__ = ["LiveStateProvider"]


class LiveStateProvider:
    """GitHub (any [`StateProvider`][release_gate.state.StateProvider]) plus the package indexes the plan names."""

    def __init__(self, github: StateProvider, registries: RegistryReader) -> None:
        self.github = github
        self.registries = registries

    def fetch(self, request: StateRequest) -> State:
        """Read GitHub, then every registry; the read's cost counts both."""
        state = self.github.fetch(request)
        found = self.registries.read(request)
        stats = state.stats or ReadStats()
        stats = dataclasses.replace(stats, registry_requests=self.registries.requests)
        return dataclasses.replace(state, registries=found, stats=stats)
