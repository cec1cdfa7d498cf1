"""Seed data and its loader."""
