"""Triage: the ruleset as data, a pure engine that evaluates it, and its routes."""
