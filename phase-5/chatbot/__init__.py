"""Chatbot tools over MCP: an MCP server whose tools manage recurring tasks through the
public todo API with the user's own bearer token."""
