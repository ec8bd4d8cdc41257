"""The long-running agent: a websocket server speaking ``agent.rpc`` on a private socket.

Data flow: ``lifecycle.run_agent`` holds the single-instance ``lock``, writes the token
(``runtime_files``), opens the ``services`` (library, fetcher, keeper, ``events`` bus) and a
``listener`` (Unix socket, or loopback TCP on Windows) whose handshake is judged by ``auth``;
each client gets a ``connection.ClientSession`` that reads requests, runs them through
``agent.rpc.methods.dispatch`` and pushes events. ``idle`` stops the agent when no client is
left for a while; ``logs`` writes the rotating log file; ``launch`` starts a detached
agent for clients that find none. Every background task has an owner
(``tasks.TaskOwner``).
"""
