"""Match runs, their chunks, and the stored results: one current result per (patient, trial, arm, version).

How runs and results relate: the *current* result of one (patient, trial, arm, criteria version) is
either a `Match` row (eligible and possible pairs, with every criterion's verdict) or one entry of an
`IneligibleBlock` (ineligible pairs, packed per run, chunk and plan: patient, first failing criterion,
score), never both. A run's chunk writes the results of its pairs and, in the same transaction, removes
any earlier result of the same pairs (from this or an older run, row or block entry), so a re-run
replaces and never adds a second result; `run` then names the run that computed the result. Older runs
keep their summary (status, counts, timings) and the audit trail keeps who asked for them. Results are
pinned to the criteria version they were computed with (PROMISES 15): a new version gives new results,
old ones stay; patterns and blocks also name the parsed revision of the version (the exact parse).
Per-criterion verdicts are stored once per distinct pattern (`VerdictPattern`); nothing is ranked in
storage: lists are ordered when read (see `selectors`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.patients.models import Patient
from apps.trials.models import Arm, CriteriaVersion, ParsedRevision, Trial


class MatchRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"

    idempotency_key = models.CharField(max_length=100, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    as_of = models.DateField(help_text="the date eligibility is judged on (ages, washouts)")
    scope = models.JSONField(
        default=dict,
        blank=True,
        help_text='as asked: {"trials": [ids] | null, "patients": [keys] | null, "include_closed": bool}',
    )
    criteria_versions = models.JSONField(
        default=list, blank=True, help_text="primary keys of the criteria versions the run is pinned to"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    pairs_total = models.PositiveBigIntegerField(default=0)
    pairs_done = models.PositiveBigIntegerField(default=0)
    pairs_per_second = models.FloatField(null=True, blank=True)
    eta = models.DateTimeField(null=True, blank=True, help_text="expected end, from the pairs rate so far")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="match_run_chunks_done_not_above_total", condition=Q(chunks_done__lte=F("chunks_total"))
            ),
            models.CheckConstraint(
                name="match_run_pairs_done_not_above_total", condition=Q(pairs_done__lte=F("pairs_total"))
            ),
            models.CheckConstraint(
                name="failed_match_run_says_why", condition=~Q(status="failed") | ~Q(failure_reason="")
            ),
        ]

    def __str__(self) -> str:
        return f"match run {self.pk} ({self.status})"

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class MatchChunk(models.Model):
    """One slice of a run's patients against all of the run's criteria; a unit of work for one task."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    patient_ids = models.JSONField(default=list, help_text="primary keys of the chunk's patients")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="times a worker started it")
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="last time its task was sent")
    started_at = models.DateTimeField(null=True, blank=True, help_text="last time a worker started it")
    pairs = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="one_chunk_per_run_and_index"),
        ]

    def __str__(self) -> str:
        return f"chunk {self.index} of run {self.run_id}"


class VerdictPattern(models.Model):
    """One distinct per-criterion verdict pattern of a plan (a trial, or one arm of it) at a criteria version,
    stored once and referenced by every eligible or possible pair that has it.

    `verdicts` are the plan's criteria in order as {id, verdict, evidence}, where the evidence of an unknown
    criterion is what it needs and of any other criterion null (a pair's own evidence is computed on demand
    by `services.explain`); `missing` is what would decide the unknowns, deduplicated. `digest` identifies
    the pattern within its version (the plan and the verdict codes), so concurrent chunks that meet the same
    pattern store it once.
    """

    criteria_version = models.ForeignKey(CriteriaVersion, on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey(
        ParsedRevision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the parse of the version the verdicts were computed with (none: stored unparsed)",
    )
    arm = models.ForeignKey(Arm, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    verdicts = models.JSONField(default=list, blank=True, help_text="[{id, verdict, evidence}]")
    missing = models.JSONField(default=list, blank=True, help_text="deduplicated data that would decide")
    met_count = models.PositiveIntegerField(default=0)
    unknown_count = models.PositiveIntegerField(default=0)
    not_met_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_version", "digest"], name="one_verdict_pattern_per_version_and_digest"
            ),
        ]

    def __str__(self) -> str:
        return f"verdict pattern {self.digest[:8]} of version {self.criteria_version_id}"


class MatchQuerySet(models.QuerySet["Match"]):
    def ranked(self) -> MatchQuerySet:
        """Best first within each trial arm: eligible before possible, then by score, then patient."""
        return self.order_by("trial__trial_id", "arm__code", "status", "-score", "patient__key")

    def actionable(self) -> MatchQuerySet:
        """Eligible and possible matches: what coordinators look at."""
        return self.exclude(status=Match.Status.INELIGIBLE)


class Match(models.Model):
    """The current result of one eligible or possible (patient, trial, arm, criteria version) pair.

    Fixed-width columns only: the per-criterion verdicts and missing data live in the pair's
    `VerdictPattern` (shared by every pair with the same verdicts). Runs store ineligible pairs packed in
    `IneligibleBlock`s (the status stays a choice here for completeness). Ranks are not stored: lists are
    ordered at read time by (status, score), served by the indexes below.
    """

    class Status(models.TextChoices):
        ELIGIBLE = "eligible"
        POSSIBLE = "possible"
        INELIGIBLE = "ineligible"

    run = models.ForeignKey(MatchRun, on_delete=models.PROTECT, related_name="matches")
    chunk_index = models.PositiveIntegerField()
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="matches", db_index=False)
    arm = models.ForeignKey(
        Arm, null=True, blank=True, on_delete=models.CASCADE, related_name="matches", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="matches", db_index=False)
    criteria_version = models.ForeignKey(
        CriteriaVersion, on_delete=models.PROTECT, related_name="matches", db_index=False
    )
    as_of = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    score = models.FloatField()
    molecular_fit = models.FloatField(null=True, blank=True)
    phenotypic_fit = models.FloatField(null=True, blank=True)
    unknown_count = models.PositiveSmallIntegerField(default=0)
    pattern = models.ForeignKey(VerdictPattern, on_delete=models.PROTECT, related_name="+", db_index=False)

    # Single-column indexes only where no composite one below leads with the column: rows stay small.

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "matches"
        constraints = [
            # One current result per pair; two partial constraints because NULL arms are distinct in SQL.
            models.UniqueConstraint(
                fields=["patient", "trial", "arm", "criteria_version"],
                condition=Q(arm__isnull=False),
                name="one_match_per_patient_trial_arm_and_version",
            ),
            models.UniqueConstraint(
                fields=["patient", "trial", "criteria_version"],
                condition=Q(arm__isnull=True),
                name="one_match_per_patient_trial_and_version",
            ),
            models.CheckConstraint(
                name="match_score_between_0_and_1", condition=Q(score__gte=0, score__lte=1)
            ),
            models.CheckConstraint(
                name="match_molecular_fit_between_0_and_1",
                condition=Q(molecular_fit__isnull=True) | Q(molecular_fit__gte=0, molecular_fit__lte=1),
            ),
            models.CheckConstraint(
                name="match_phenotypic_fit_between_0_and_1",
                condition=Q(phenotypic_fit__isnull=True) | Q(phenotypic_fit__gte=0, phenotypic_fit__lte=1),
            ),
            models.CheckConstraint(
                name="eligible_match_has_nothing_unknown",
                condition=~Q(status="eligible") | Q(unknown_count=0),
            ),
        ]
        indexes = [
            # A trial arm's worklist (eligible first, best score first) and a patient's trials.
            models.Index(fields=["trial", "arm", "status", "-score"], name="match_trial_worklist"),
            models.Index(fields=["patient", "-score"], name="match_patient_list"),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} x {self.trial_id}: {self.status}"

    @property
    def verdicts(self) -> list[dict[str, object]]:
        return list(self.pattern.verdicts)

    @property
    def missing(self) -> list[str]:
        return list(self.pattern.missing)

    @property
    def first_failing(self) -> str:
        return ""


class MatchCount(models.Model):
    """Per run, chunk, trial and arm: how many pairs had each status, and ineligible ones by first failing
    criterion. Replaced with its chunk's results; sum over chunks for a run's totals."""

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="counts")
    chunk_index = models.PositiveIntegerField()
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="+")
    arm = models.ForeignKey(Arm, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    eligible = models.PositiveIntegerField(default=0)
    possible = models.PositiveIntegerField(default=0)
    ineligible = models.PositiveIntegerField(default=0)
    ineligible_by_criterion = models.JSONField(default=dict, blank=True, help_text="{criterion id: count}")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "chunk_index", "trial", "arm"],
                condition=Q(arm__isnull=False),
                name="one_count_per_run_chunk_trial_and_arm",
            ),
            models.UniqueConstraint(
                fields=["run", "chunk_index", "trial"],
                condition=Q(arm__isnull=True),
                name="one_count_per_run_chunk_and_trial",
            ),
        ]
        indexes = [models.Index(fields=["run", "chunk_index"]), models.Index(fields=["trial", "run"])]

    def __str__(self) -> str:
        return f"counts of run {self.run_id} chunk {self.chunk_index}"


class IneligibleBlock(models.Model):
    """The current ineligible results of one run chunk's patients for one plan (trial or arm), packed.

    Parallel little-endian arrays, one entry per pair, ordered by patient primary key (see
    `services.ineligible` for the layout): patient ids (uint32), first failing criterion (uint16 index into
    `failing_ids`), score, molecular and phenotypic fit (float32, NaN for none) and unknown count (uint16):
    20 bytes a pair. `services.explain` recomputes any pair in full. A later result of one of these pairs
    removes its entry (the block is rewritten, or deleted when empty).
    """

    run = models.ForeignKey(MatchRun, on_delete=models.PROTECT, related_name="ineligible_blocks")
    chunk_index = models.PositiveIntegerField()
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="+")
    arm = models.ForeignKey(Arm, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    criteria_version = models.ForeignKey(CriteriaVersion, on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey(
        ParsedRevision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the parse of the version these pairs were computed with",
    )
    as_of = models.DateField()
    size = models.PositiveIntegerField(help_text="number of pairs (length of every array)")
    patient_min = models.PositiveBigIntegerField(help_text="smallest patient primary key in the block")
    patient_max = models.PositiveBigIntegerField(help_text="largest patient primary key in the block")
    failing_ids = models.JSONField(default=list, help_text="distinct first failing criterion ids")
    packed = models.BinaryField(help_text="the per-pair arrays, concatenated")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "chunk_index", "trial", "arm"],
                condition=Q(arm__isnull=False),
                name="one_ineligible_block_per_run_chunk_trial_and_arm",
            ),
            models.UniqueConstraint(
                fields=["run", "chunk_index", "trial"],
                condition=Q(arm__isnull=True),
                name="one_ineligible_block_per_run_chunk_and_trial",
            ),
            models.CheckConstraint(name="ineligible_block_is_not_empty", condition=Q(size__gte=1)),
            models.CheckConstraint(
                name="ineligible_block_patient_range_is_ordered",
                condition=Q(patient_min__lte=F("patient_max")),
            ),
        ]
        indexes = [
            models.Index(fields=["run", "chunk_index"]),
            models.Index(fields=["criteria_version", "patient_min", "patient_max"]),
            models.Index(fields=["trial", "arm"]),
        ]

    def __str__(self) -> str:
        return f"{self.size} ineligible pairs of run {self.run_id} chunk {self.chunk_index}"


class FeatureBlock(models.Model):
    """The matcher's columnar features (`engine.Snapshot` as bytes) of the patients whose primary keys fall
    in one block (`services.features.BLOCK_PATIENTS` consecutive keys), built from the fact tables and read
    by workers in bulk: workers on other machines share it through the database.

    `version` is bumped in the transaction that changes a patient's facts; `payload` and `patient_ids`
    (int64 primary keys, in the snapshot's order) are current when `built_version` equals it.
    """

    block = models.PositiveIntegerField(primary_key=True)
    version = models.PositiveBigIntegerField(default=1)
    built_version = models.PositiveBigIntegerField(null=True, blank=True)
    patient_ids = models.BinaryField(null=True, blank=True)
    payload = models.BinaryField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"feature block {self.block} (version {self.version})"
