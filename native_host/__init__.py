"""The native messaging host: relays the browser extension to the agent."""
