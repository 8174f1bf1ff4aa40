"""The portal: server-rendered pages with Vega-Lite charts, over the same queries as the API."""
