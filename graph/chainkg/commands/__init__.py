"""Click commands grouped by topic; each module registers its commands on :data:`chainkg.cli.cli`.

Modules here import only click at module level: heavy libraries are imported inside the commands.
"""
