"""The one Alembic environment every service's streams run in.

The caller (crmkit.migrations) passes an open connection and the target schema in
`config.attributes`; tenant revisions declare their tables in the `__tenant__` placeholder
schema, which the connection maps to the tenant's real schema.
"""

from alembic import context

from crmkit.tenancy import TENANT_SCHEMA_PLACEHOLDER

config = context.config
connection = config.attributes["connection"]
schema = config.attributes["schema"]

context.configure(
    connection=connection.execution_options(
        schema_translate_map={TENANT_SCHEMA_PLACEHOLDER: schema}
    ),
    target_metadata=config.attributes.get("target_metadata"),
    version_table_schema=schema,
    include_schemas=False,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
