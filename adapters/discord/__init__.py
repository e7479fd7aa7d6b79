"""The Discord adapter: slash commands and buttons in, notices out (embeds +
components). Today only the renderer exists; the bot comes with its issue."""
