"""The Windows registry: a key's default value names a host manifest. Windows only.

Everything else about registration is planned on any platform (``plan``); only these three
calls touch the registry, and on other platforms they refuse plainly instead of importing
``winreg``.
"""

from __future__ import annotations

import sys

from agent.errors import BadgekeeperError, ErrorCode
from agent.install.locations import RegistryKey


def _not_windows(key: RegistryKey) -> BadgekeeperError:
    return BadgekeeperError(
        ErrorCode.INVALID_ARGUMENT,
        f"{key} is a Windows registry key; it can only be written on Windows.",
    )


if sys.platform == "win32":
    import winreg

    def _hive(key: RegistryKey) -> int:
        return (
            winreg.HKEY_LOCAL_MACHINE
            if key.hive == "HKEY_LOCAL_MACHINE"
            else winreg.HKEY_CURRENT_USER
        )

    def read_default_value(key: RegistryKey) -> str | None:
        """The key's default value, or None when the key (or value) does not exist."""
        try:
            with winreg.OpenKey(_hive(key), key.path) as handle:
                value, kind = winreg.QueryValueEx(handle, "")
        except OSError:
            return None
        return value if kind in (winreg.REG_SZ, winreg.REG_EXPAND_SZ) else None

    def set_default_value(key: RegistryKey, value: str) -> None:
        try:
            with winreg.CreateKeyEx(_hive(key), key.path, 0, winreg.KEY_WRITE) as handle:
                winreg.SetValueEx(handle, "", 0, winreg.REG_SZ, value)
        except OSError as exc:
            raise BadgekeeperError(
                ErrorCode.INSTALL_FAILED,
                f"The registry key {key} could not be written ({exc.strerror}). For HKLM "
                "(--system), run the command as an administrator.",
            ) from exc

    def delete_key(key: RegistryKey) -> None:
        try:
            winreg.DeleteKey(_hive(key), key.path)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise BadgekeeperError(
                ErrorCode.INSTALL_FAILED,
                f"The registry key {key} could not be removed ({exc.strerror}).",
            ) from exc

else:

    def read_default_value(key: RegistryKey) -> str | None:
        """The key's default value (there is no registry here: always None)."""
        return None

    def set_default_value(key: RegistryKey, value: str) -> None:
        raise _not_windows(key)

    def delete_key(key: RegistryKey) -> None:
        raise _not_windows(key)
