"""What the pages and the report show: the numbers behind each view, its charts and templates.

The API's pages (:mod:`segmint.api`) and the self-contained report (:mod:`segmint.report`)
both render from here, so a page and its printed version show the same numbers; both read
stored results through :mod:`segmint.insight` and :mod:`segmint.segmentation.store` and never
refit a model.
"""
