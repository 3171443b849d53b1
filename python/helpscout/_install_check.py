"""Detect a mixed or half-removed install at import.

``helpscout-webhook`` and the original ``helpscout`` 0.1.3 install the same import package
(``helpscout``). pip does not know they overlap: installing this package over 0.1.3
overwrites 0.1.3's files and leaves the rest of them (its API client) in place, and
uninstalling 0.1.3 afterwards deletes the files the two share, which are now this package's.

``helpscout/__init__.py`` imports this module first; the check runs on that import and costs
two ``os.path.exists`` calls (a message with the fix is built only when something is wrong).
"""

from __future__ import annotations

import importlib
import os
import warnings

__all__ = ["FIX", "MIXED_FIX", "HelpScoutMixedInstallWarning", "check_install"]

FIX = "pip install --force-reinstall helpscout-webhook"
"""Restores every file of this package (a plain ``pip install`` says it is already there)."""

MIXED_FIX = "pip uninstall -y helpscout && " + FIX
"""Removes helpscout 0.1.3 and its leftovers, then restores the files the two shared."""

ORIGINAL_ONLY = ("auth_proxy.py", "apis")
"""Paths that helpscout 0.1.x installs in the package folder and this package never ships."""


class HelpScoutMixedInstallWarning(RuntimeWarning):
    """The original ``helpscout`` 0.1.3 is installed in the same folder as this package."""


def check_install(package_dir: str) -> None:
    """Warn when 0.1.3's files sit beside this package's; raise ``ImportError`` with the fix
    when the compiled core is missing or cannot load."""
    for name in ORIGINAL_ONLY:
        if os.path.exists(os.path.join(package_dir, name)):
            warnings.warn(
                f"helpscout-webhook: files of the original helpscout 0.1.x package ({name}) "
                f"are installed beside this package's in {package_dir}; uninstalling helpscout "
                f"would delete files of helpscout-webhook. Fix: {MIXED_FIX}",
                HelpScoutMixedInstallWarning,
                stacklevel=3,
            )
            break
    try:
        importlib.import_module(__package__ + "._core")
    except ImportError as error:
        raise ImportError(
            f"helpscout-webhook is installed incompletely: its compiled core helpscout._core "
            f"does not load from {package_dir} ({error}). If helpscout 0.1.3 was installed or "
            f"removed after it, or the wheel is for another platform, fix it with: {FIX}",
            name=__package__ + "._core",
        ) from error


check_install(os.path.dirname(os.path.abspath(__file__)))
