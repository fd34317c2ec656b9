"""Executes compiled contracts: workspace loading, CLI, and (later) usage, bill runs and the ledger."""
