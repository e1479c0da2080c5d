"""Tests of billkit.usage."""
