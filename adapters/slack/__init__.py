"""The Slack adapter: `/detente` and interactions in, notices out (Block Kit).
Today only the renderer exists; the app comes with its issue."""
