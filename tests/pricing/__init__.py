"""Tests of billkit.pricing."""
