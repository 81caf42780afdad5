"""Interactive chain maps: the only code that knows pyvis and vis-network.

- :mod:`chainkg.render.adapt` turns a projection and its gap rows into plain map specs;
- :mod:`chainkg.render.model` lays a spec out (positions, styles, filters, tooltips, folded groups);
- :mod:`chainkg.render.html` writes one self-contained HTML file from ``templates/`` with vis-network
  inlined from ``vendor/`` (see ``vendor/NOTICE``).
"""
