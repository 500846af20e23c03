"""Superseded by 0002: this step once made a Django database-cache table for shared counters. It does nothing now
and stays so that databases which applied it migrate on; 0002 removes that table where it exists."""

from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = []
