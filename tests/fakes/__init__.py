"""Shared fakes and fixtures data, one per seam."""
