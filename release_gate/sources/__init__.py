"""Sources of state: live GitHub, package indexes and chart repositories, and snapshot files.

Every source is a :class:`~release_gate.state.StateProvider`: a request in, a
:class:`~release_gate.state.State` out, with what could not be read as
:class:`~release_gate.state.Unknown`. The modules are imported where used, so that reading a
snapshot never loads the HTTP clients.
"""
