"""Analyses over the networkx graphs of :mod:`chainkg.project`: pure functions, no I/O.

- :mod:`chainkg.analysis.gaps` — link statuses, 补链 priorities and reasons per zone × chain and city-wide;
- :mod:`chainkg.analysis.centrality` — degree, betweenness and PageRank; lead enterprises vs the most central.
"""
