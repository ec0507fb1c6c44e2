"""Every chart segmint draws, with Plotly: one module per subject.

:mod:`~segmint.views.plots.figures` holds the dashboard's and the report's charts (as
figure dictionaries the pages hand to plotly.js); :mod:`~segmint.views.plots.clv`,
:mod:`~segmint.views.plots.clusters` and :mod:`~segmint.views.plots.propensity` draw the
files the commands write (HTML with plotly.js inlined, and PNG/SVG through ``kaleido``),
:mod:`~segmint.views.plots.files` writes them. The numbers come from the layers below
(:mod:`segmint.insight`, :mod:`segmint.scoring`, :mod:`segmint.models`); nothing here
computes a statistic, and no model imports plotting.
"""
