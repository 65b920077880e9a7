"""Build hook for the optional compiled build; the metadata lives in pyproject.toml.

A plain `pip install .` (or `-e .`) installs pure Python. With REARM_COMPILE=1 the modules
listed in `sim/compiled.py` are compiled with mypyc (needs mypy, a C compiler and Python's
headers; pass --no-build-isolation so that the mypy installed beside it is used, which also
means setuptools>=68 and wheel must be installed beside it: see the README).
"""

import glob
import os
import runpy

from setuptools import setup


def ext_modules() -> list:
    """The mypyc extensions when REARM_COMPILE=1, else none.

    A pure build also removes extensions an earlier compiled build left in build/, which it
    would otherwise package.
    """
    if os.environ.get("REARM_COMPILE", "").strip() != "1":
        for pattern in ("build/lib*/**/*.so", "build/lib*/**/*.pyd"):
            for leftover in glob.glob(pattern, recursive=True):
                os.remove(leftover)
        return []
    from mypyc.build import mypycify

    modules = runpy.run_path(os.path.join("sim", "compiled.py"))["MODULES"]
    return mypycify(list(modules), opt_level="3")


setup(ext_modules=ext_modules())
