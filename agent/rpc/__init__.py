"""The agent protocol's pure core: JSON-RPC 2.0 messages, typed parameters, the method table.

``protocol`` reads and writes messages and is the one place errors map to the wire; ``params``
validates parameters; ``methods`` (with ``methods_*`` by concept) is the table of named
handlers, callable in-process through :func:`agent.rpc.methods.dispatch` (the CLI does when no
agent runs) or over the agent's socket (``agent.server``).
"""
