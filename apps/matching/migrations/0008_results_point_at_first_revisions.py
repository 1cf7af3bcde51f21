"""Stored verdict patterns and ineligible blocks name the revision their version had when they were
computed: revision 1, the only one before revisions existed."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):
    CriteriaVersion = apps.get_model("trials", "CriteriaVersion")
    current = Subquery(CriteriaVersion.objects.filter(pk=OuterRef("criteria_version_id")).values("current_revision"))
    for name in ("VerdictPattern", "IneligibleBlock"):
        apps.get_model("matching", name).objects.filter(revision__isnull=True).update(revision=current)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0007_results_name_their_parsed_revision"),
        ("trials", "0005_first_parsed_revisions"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
