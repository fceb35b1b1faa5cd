"""Reading cohort files: one reader per file shape, column synonyms, value parsing.

``sources`` turns paths and uploads into in-memory files; ``readers`` reads workbooks,
zips and CSVs into raw tables; ``synonyms`` names tables, columns and identifiers;
``values`` parses cells vectorised; ``visits`` splits a single visits sheet. The load's
later stages have a module each: ``mapping`` (tables and columns claimed), ``check`` (cells
parsed, every rule), ``canonical`` (the Cohort's tables) and ``problems`` (the collector).
The orchestration lives in :mod:`lusp.load`.
"""
