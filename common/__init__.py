"""Helpers shared by every app: the bottom layer, importing none of the apps above it."""
