"""Local REST API and MCP server."""
