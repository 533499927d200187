"""Where sets come from: the catalogue, downloads (mirrors, sha256, resume) and sets shipped inside installed packages.

Public modules (what they define is re-exported from ``pretrained`` or this package): ``catalog``,
``downloader``. Internal modules (their names may change; import from ``pretrained`` instead):
``packaged``.
"""
