"""Tests of billkit.periods."""
