"""Audit engine: snapshot model, check registry, engine, report."""
