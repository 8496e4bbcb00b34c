# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for irqctx's documentation (Debian's python3-sphinx).
# Build: sphinx-build -W -b html Documentation out/docs

project = "irqctx"
copyright = "irqctx developers"
master_doc = "index"
exclude_patterns = ["misuse/*.txt", "bench/*.txt"]
html_theme = "alabaster"
highlight_language = "none"
