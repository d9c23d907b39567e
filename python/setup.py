"""Builds jsyncq's C shim with cffi (API mode) at install time: ``pip install ./python``."""

from setuptools import setup

setup(
    packages=["jsyncq"],
    package_data={"jsyncq": ["_shim_src.c"]},
    setup_requires=["cffi>=1.15"],
    cffi_modules=["jsyncq/_build_shim.py:ffibuilder"],
    install_requires=["cffi>=1.15"],
    zip_safe=False,
)
