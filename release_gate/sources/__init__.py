"""Sources of state: live GitHub, package indexes and chart repositories, and snapshot files.

Every source is a `StateProvider`: a request in, a
`State` out, with what could not be read as
`Unknown`. The modules are imported where used, so that reading a
snapshot never loads the HTTP clients.
"""
