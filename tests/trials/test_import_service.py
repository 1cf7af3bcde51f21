"""Importing trial files into the database: atomic per file, idempotent, versioned, audited."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.accounts.models import Site, Sponsor
from apps.audit.models import AuditEvent
from apps.trials import services as trials
from apps.trials.models import Arm, CriteriaVersion, Trial

SHARED = Path(settings.TRIALMATCH_SHARED_DATA)
TRIAL_FILES = sorted(
    p.relative_to(SHARED).as_posix()
    for folder in ("ctgov", "ctml")
    for p in (SHARED / folder).rglob("*")
    if p.is_file() and p.suffix in {".json", ".xml", ".yaml", ".csv"}
)
# The shared files that are not importable trials, and the reason each must give.
KNOWN_BAD = {
    "ctgov/aact/json/NCT02278341.json": "named for NCT02278341 but holds NCT02552212",
    "ctgov/aact/json/study_data_initialize.json": "is not an NCT id",
    "ctgov/aact/json/study_data_interventional.json": "is not an NCT id",
    "ctgov/aact/json/study_data_patient_registry.json": "is not an NCT id",
    "ctgov/aact/json/study_data_phases.json": "is not an NCT id",
    "ctgov/aact/xml/NCT00980226-id-mismatch.xml": "named for NCT00980226 but holds NCT00081588",
    "ctgov/aact/xml/NCT00980226.xml": "named for NCT00980226 but holds NCT00081588",
    "ctgov/aact/xml/covid_search.xml": "root element <rss>",
    "ctml/oncotree_mapping.json": "not a trial",
    "ctml/trials/11-112.json": "missing: every CTML trial needs its protocol_no",
    **{
        f"ctml/ctml_boolean_cases/{name}": "not a trial"
        for name in (
            "all_cases.json",
            "and_and_and.json",
            "and_and_or.json",
            "and_or_and.json",
            "and_or_or.json",
            "or_and_and.json",
            "or_and_or.json",
            "or_or_and.json",
            "or_or_or.json",
        )
    },
}

ELIGIBILITY = "Inclusion Criteria:\n\n* Adults with EGFR-mutant NSCLC\n\nExclusion Criteria:\n\n* Pregnancy"


def counts() -> dict[str, int]:
    """Rows of everything an import saves; the audit row recording a refusal (PROMISES 12) is not content."""
    found = {model.__name__: model.objects.count() for model in (Trial, Arm, CriteriaVersion, Sponsor, Site)}
    found["AuditEvent"] = AuditEvent.objects.exclude(action="trials.import_rejected").count()
    return found


def study(text: str = ELIGIBILITY, *, title: str = "A trial", nct: str = "NCT01234567") -> dict:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct, "briefTitle": title},
            "statusModule": {"overallStatus": "RECRUITING"},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Example Oncology Group"}},
            "designModule": {"phases": ["PHASE2"]},
            "eligibilityModule": {"eligibilityCriteria": text, "minimumAge": "18 Years", "sex": "ALL"},
            "contactsLocationsModule": {"locations": [{"facility": "Example Cancer Centre"}]},
            "armsInterventionsModule": {"armGroups": [{"label": "Osimertinib", "type": "EXPERIMENTAL"}]},
        }
    }


def upload(name: str, content: dict | str) -> trials.FileReport:
    data = content.encode() if isinstance(content, str) else json.dumps(content).encode()
    (report,) = trials.import_bytes(name, data).files
    return report


def test_every_shared_trial_file_is_listed() -> None:
    assert len(TRIAL_FILES) > 100
    assert set(KNOWN_BAD) <= set(TRIAL_FILES)


@pytest.mark.django_db
@pytest.mark.parametrize("relative", TRIAL_FILES)
def test_shared_file_imports_or_is_rejected_with_its_reason(relative: str) -> None:
    before = counts()

    report = trials.import_path(SHARED / relative)

    (file_report,) = report.files
    if relative in KNOWN_BAD:
        assert file_report.rejected
        assert counts() == before
        assert KNOWN_BAD[relative] in " ".join(e["message"] for e in file_report.errors)
        assert all(e["file"].endswith(relative) for e in file_report.errors)
    else:
        assert not file_report.rejected, file_report.errors
        assert file_report.created == file_report.new_versions > 0
        assert Trial.objects.count() == before["Trial"] + file_report.created


@pytest.mark.django_db
def test_new_trial_gets_version_one_sponsor_site_arm_and_audit_rows() -> None:
    report = upload("NCT01234567.json", study())

    trial = Trial.objects.get(trial_id="NCT01234567")
    version = trial.criteria_versions.get()
    assert (report.created, report.new_versions) == (1, 1)
    assert (version.number, version.text) == (1, ELIGIBILITY)
    assert version.parsed is not None and version.parser_version
    assert (trial.phase, trial.overall_status, trial.min_age_years) == ("PHASE2", "RECRUITING", 18.0)
    assert trial.sponsor is not None and trial.sponsor.name == "Example Oncology Group"
    # The record's facility is a location of the trial, not a site of the centre (none is created).
    assert [loc.facility for loc in trial.locations.all()] == ["Example Cancer Centre"]
    assert list(trial.sites.all()) == [] and not Site.objects.exists()
    assert [arm.code for arm in trial.arms.all()] == ["Osimertinib"]
    assert list(AuditEvent.objects.values_list("action", "object_id")) == [
        ("trials.criteria_version_created", "NCT01234567"),
        ("trials.import", "NCT01234567.json"),
    ]


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing_but_its_audit_row() -> None:
    upload("NCT01234567.json", study())
    trial = Trial.objects.get()
    before = counts()

    report = upload("NCT01234567.json", study())

    after = counts()
    assert (report.created, report.updated, report.unchanged, report.new_versions) == (0, 0, 1, 0)
    assert Trial.objects.get().updated_at == trial.updated_at
    assert after == {**before, "AuditEvent": before["AuditEvent"] + 1}
    assert AuditEvent.objects.last().action == "trials.import"  # type: ignore[union-attr]


@pytest.mark.django_db
def test_changed_eligibility_text_makes_version_two_and_keeps_version_one() -> None:
    upload("NCT01234567.json", study())

    report = upload("NCT01234567.json", study(ELIGIBILITY + "\n* Prior osimertinib"))

    versions = list(CriteriaVersion.objects.order_by("number").values_list("number", "text"))
    assert (report.updated, report.new_versions) == (1, 1)
    assert versions == [(1, ELIGIBILITY), (2, ELIGIBILITY + "\n* Prior osimertinib")]
    assert Trial.objects.get().current_version().number == 2  # type: ignore[union-attr]


@pytest.mark.django_db
def test_other_changed_fields_update_the_trial_without_a_new_version() -> None:
    upload("NCT01234567.json", study())

    report = upload("NCT01234567.json", study(title="A renamed trial"))

    assert (report.updated, report.new_versions) == (1, 0)
    assert Trial.objects.get().title == "A renamed trial"
    assert CriteriaVersion.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "record", "field"),
    [
        ("cut.json", json.dumps(study())[:80], "", ""),
        (
            "xxe.xml",
            '<?xml version="1.0"?><!DOCTYPE clinical_study [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info></clinical_study>",
            "",
            "",
        ),
        (
            "noid.json",
            {"studies": [study(nct="NCT07654321"), {"protocolSection": {"identificationModule": {}}}]},
            "#2",
            "protocolSection.identificationModule.nctId",
        ),
        (
            "ages.json",
            {
                "studies": [
                    study(nct="NCT07654321"),
                    {
                        "protocolSection": {
                            "identificationModule": {"nctId": "NCT01234567"},
                            "eligibilityModule": {"minimumAge": "70 Years", "maximumAge": "18 Years"},
                        }
                    },
                ]
            },
            "#2 NCT01234567",
            "protocolSection.eligibilityModule.minimumAge",
        ),
        ("number.json", "42", "", ""),
        ("ctml.yaml", "protocol_no: [unclosed\n", "", ""),
    ],
)
def test_malformed_file_saves_nothing_and_names_file_record_and_field(
    name: str, content: dict | str, record: str, field: str
) -> None:
    before = counts()

    report = upload(name, content)

    assert report.rejected
    assert counts() == before
    assert AuditEvent.objects.filter(action="trials.import_rejected", object_id=name).count() == 1
    (error,) = report.errors
    assert (error["file"], error["record"], error["field"]) == (name, record, field)
    assert error["message"]


@pytest.mark.django_db
def test_a_rejected_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a_good.json").write_text(json.dumps(study()))
    (tmp_path / "b_bad.json").write_text("{")
    (tmp_path / "README.md").write_text("not a trial file")

    report = trials.import_path(tmp_path)

    assert [(Path(f.file).name, f.rejected) for f in report.files] == [
        ("a_good.json", False),
        ("b_bad.json", True),
    ]
    assert report.skipped == [str(tmp_path / "README.md")]
    assert Trial.objects.count() == 1


@pytest.mark.django_db
def test_command_exits_nonzero_and_writes_rejections_to_stderr(tmp_path: Path, capsys) -> None:
    (tmp_path / "good.json").write_text(json.dumps(study()))
    (tmp_path / "bad.json").write_text('{"studies": [{"protocolSection": {"identificationModule": {}}}]}')

    with pytest.raises(CommandError) as caught:
        call_command("import_trials", str(tmp_path))

    out, err = capsys.readouterr()
    assert caught.value.returncode == 1
    assert "bad.json, record #1, field protocolSection.identificationModule.nctId" in err
    assert "good.json: 1 created" in out


@pytest.mark.django_db
def test_file_over_the_size_limit_is_rejected(tmp_path: Path, settings) -> None:
    settings.MAX_UPLOAD_BYTES = 100
    path = tmp_path / "big.json"
    path.write_text(json.dumps(study()))

    (report,) = trials.import_path(path).files

    assert report.rejected and "over the upload limit" in report.errors[0]["message"]
    assert Trial.objects.count() == 0


@pytest.mark.django_db
def test_unknown_phase_is_kept_verbatim_and_reported() -> None:
    content = study()
    content["protocolSection"]["designModule"]["phases"] = ["PHASE5"]

    report = upload("odd.json", content)

    assert Trial.objects.get().phase == "PHASE5"
    assert report.unknown_values == [
        {"record": "#1 NCT01234567", "field": "protocolSection.designModule.phases", "value": "PHASE5"}
    ]


@pytest.mark.django_db
def test_ctml_arms_keep_status_tree_and_parent() -> None:
    trials.import_path(SHARED / "ctml/integration_trials/closed_dose.json")

    trial = Trial.objects.get(trial_id="10-003")
    arms = {arm.code: arm for arm in trial.arms.all()}
    assert (trial.source, trial.overall_status) == ("ctml", "RECRUITING")
    assert {code: (arm.kind, arm.status) for code, arm in arms.items()} == {
        "step 1": ("step", "open"),
        "ARM 1": ("arm", "open"),
        "ARM 1 / LEVEL 1": ("dose_level", "closed"),
        "ARM 2": ("arm", "closed"),
    }
    assert arms["ARM 1 / LEVEL 1"].parent == arms["ARM 1"]
    raw_arm = trial.raw["treatment_list"]["step"][0]["arm"][0]
    assert arms["ARM 1"].match_tree == raw_arm["match"]
    structured = trial.current_version().structured  # type: ignore[union-attr]
    assert {arm["code"]: arm["match"] for arm in structured["arms"]} == {
        code: arm.match_tree for code, arm in arms.items()
    }


@pytest.mark.django_db
def test_ctml_closed_trial_and_arm_closing_on_reimport() -> None:
    trials.import_path(SHARED / "ctml/integration_trials/all_closed_trial_closed.json")
    trials.import_path(SHARED / "ctml/integration_trials/run_log_arm_open.json")

    report = trials.import_path(SHARED / "ctml/integration_trials/run_log_arm_closed.json")

    assert Trial.objects.get(trial_id="10-000").overall_status == "CLOSED"
    assert Arm.objects.get(trial__trial_id="10-002", code="ARM 1").status == "closed"
    assert (report.files[0].updated, report.files[0].new_versions) == (1, 0)


@pytest.mark.django_db
def test_fixtures_folder_imports_without_rejections() -> None:
    report = trials.import_path(settings.BASE_DIR / "fixtures" / "trials")

    assert report.ok, [f.errors for f in report.rejected]
    assert Trial.objects.filter(source="ctml").exists()
    assert Trial.objects.count() >= 400


@pytest.mark.django_db
def test_a_location_that_is_one_of_the_centres_sites_links_the_trial_to_it() -> None:
    own = Site.objects.create(code="example-cancer-centre", name="Example Cancer Centre")
    facilities = [{"facility": "Example Cancer Centre"}] + [{"facility": f"Hospital {i}"} for i in range(300)]
    record = study()
    record["protocolSection"]["contactsLocationsModule"]["locations"] = facilities

    upload("NCT01234567.json", record)

    trial = Trial.objects.get()
    assert trial.locations.count() == 301
    assert list(trial.sites.all()) == [own] and Site.objects.count() == 1
    assert trial.locations.get(facility="Example Cancer Centre").site == own
