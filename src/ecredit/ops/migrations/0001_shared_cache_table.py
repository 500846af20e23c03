"""The table of the "shared" cache (settings.CACHES): rate-limit counts and spent form tokens every worker sees."""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # createcachetable's positional argument is a table name, not a cache alias: name the shared cache's table.
    table = settings.CACHES["shared"]["LOCATION"]
    call_command("createcachetable", table, database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS ecredit_shared_cache")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
