"""MySQL catalog -> neutral catalog, one module per object kind.

:class:`transship_mysql.schema_export.CatalogConverter` combines the mixins defined here:

- :mod:`.base`: :class:`~.base.Conversion` (the result) and :class:`~.base.ConverterBase` (state and name lookup)
- :mod:`.tables`: tables and columns (types, enums, generated and auto_increment columns)
- :mod:`.defaults`: column defaults
- :mod:`.constraints`: primary keys, foreign keys, CHECKs, UNSIGNED checks
- :mod:`.indexes`: indexes (prefix, FULLTEXT, SPATIAL) and unique constraints
- :mod:`.partitions`: partitioning
- :mod:`.views`: views
- :mod:`.routines`: functions, procedures, triggers and ON UPDATE CURRENT_TIMESTAMP triggers
"""
