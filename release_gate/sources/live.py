"""The live source: GitHub and the package indexes and chart repositories a plan publishes to, in one read."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

from release_gate.sources.registries import RegistryReader
from release_gate.state import ReadStats, State, StateProvider, StateRequest

__all__ = ["LiveStateProvider"]


class LiveStateProvider:
    """GitHub (any [`StateProvider`][release_gate.state.StateProvider]) plus the package indexes the plan names."""

    def __init__(self, github: StateProvider, registries: RegistryReader) -> None:
        self.github = github
        self.registries = registries

    def fetch(self, request: StateRequest) -> State:
        """Read GitHub and every registry at once, then the images the releases name; the read's cost counts all.

        The registries are read in a thread of their own while GitHub is read in this one.
        When GitHub cannot be read, the registries' read is stopped (the requests not yet sent
        are not sent) and GitHub's error is raised once it has ended.
        """
        halt = threading.Event()
        with ThreadPoolExecutor(1, thread_name_prefix="release-gate-indexes") as pool:
            reading = pool.submit(self.registries.read, request, halt=halt)
            try:
                state = self.github.fetch(request)
            except BaseException:
                halt.set()
                raise
            found = reading.result()
        # Images last: their tags are made from the versions GitHub and the registries show.
        found = {**found, **self.registries.read_images(request, dataclasses.replace(state, registries=found))}
        stats = state.stats or ReadStats()
        stats = dataclasses.replace(stats, registry_requests=self.registries.requests)
        return dataclasses.replace(state, registries=found, stats=stats)
