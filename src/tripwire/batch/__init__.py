"""Batch screening: whole files, resumable, on one machine or on Spark."""
