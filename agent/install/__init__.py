"""Registering the native host with browsers: `badgekeeper install`, `uninstall`, `doctor`."""
