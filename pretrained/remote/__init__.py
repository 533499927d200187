"""Where sets come from: the catalogue, downloads (mirrors, sha256, resume) and sets shipped inside installed packages."""
