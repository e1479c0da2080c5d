"""Tests of billkit.money."""
