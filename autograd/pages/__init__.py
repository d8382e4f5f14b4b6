"""Pages a learner clicks through: one self-contained HTML file each (SVG, script, styles and data inline).

`page.py` builds such a file from a Graphviz drawing and the scripts and styles in `web/`;
`walkthrough.py` is the page that steps through a forward and backward pass.
"""

from autograd.pages.page import Page
from autograd.pages.walkthrough import walkthrough

__all__ = ["Page", "walkthrough"]
