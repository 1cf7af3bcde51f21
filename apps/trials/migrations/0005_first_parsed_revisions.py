"""Revision 1 (cause "parse") of every criteria version parsed before revisions existed."""

from django.db import migrations


def forwards(apps, schema_editor):
    CriteriaVersion = apps.get_model("trials", "CriteriaVersion")
    ParsedRevision = apps.get_model("trials", "ParsedRevision")
    versions = CriteriaVersion.objects.filter(parsed__isnull=False, current_revision__isnull=True)
    for version in versions.iterator(chunk_size=500):
        revision = ParsedRevision.objects.create(
            criteria_version=version,
            number=1,
            parsed=version.parsed,
            parser_version=version.parser_version,
            cause="parse",
        )
        ParsedRevision.objects.filter(pk=revision.pk).update(created_at=version.created_at)
        CriteriaVersion.objects.filter(pk=version.pk).update(current_revision=revision)


def backwards(apps, schema_editor):
    CriteriaVersion = apps.get_model("trials", "CriteriaVersion")
    ParsedRevision = apps.get_model("trials", "ParsedRevision")
    CriteriaVersion.objects.update(current_revision=None)
    ParsedRevision.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("trials", "0004_parsed_revisions_and_review_flags")]

    operations = [migrations.RunPython(forwards, backwards)]
