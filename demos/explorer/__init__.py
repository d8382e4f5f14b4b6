"""The training explorer: a recorded training run as one page (loss, decision boundary, a point's graph).

`runs.py` records a run, `plots.py` draws its loss curve and boundary (`contours.py` traces the
boundary's lines), `graph.py` draws one point's graph, `page.py` puts them on one page with
`explorer.js` and `explorer.css`. `python -m demos training_explorer` writes the pages.
"""
