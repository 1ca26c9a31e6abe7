"""Outputs: tables, statistics and figures made from recorded outcomes (never imports the engine)."""
