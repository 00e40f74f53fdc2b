"""Adapters for the forges the bot talks to, behind one forge-neutral `Forge` Protocol."""
