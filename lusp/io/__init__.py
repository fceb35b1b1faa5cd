"""Reading cohort files: one reader per file shape, column synonyms, value parsing.

``sources`` turns paths and uploads into in-memory files; ``readers`` reads workbooks,
zips and CSVs into raw tables; ``synonyms`` names tables, columns and identifiers;
``values`` parses cells vectorised; ``visits`` splits a single visits sheet. The
orchestration (and all validation) lives in :mod:`lusp.load`.
"""
