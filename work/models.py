"""The federation's work: activities and attendance, practical deeds, jobs, donations."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from federation.models import Organization
from members.models import Member


def new_token() -> str:
    return secrets.token_urlsafe(16)


class ActivityKind(models.TextChoices):
    TRAINING = "training", _("Training")
    CHARITY_MARKET = "charity_market", _("Charity market")
    LECTURE = "lecture", _("Theory lecture")
    SUMMER_SCHOOL = "summer_school", _("Summer charity school")
    FAMILY_EDUCATION = "family_education", _("Family education")
    ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship exchange")
    VOLUNTEERING = "volunteering", _("Volunteering")
    OTHER = "other", _("Other")


class Certification(models.TextChoices):
    LIVESTREAM_SELLING = "livestream_selling", _("Livestream selling")
    E_COMMERCE = "e_commerce", _("E-commerce operation")
    HOUSEKEEPING = "housekeeping", _("Housekeeping skills")
    CHILDCARE = "childcare", _("Childcare")


class ActivitySeries(models.Model):
    """A recurring activity (the weekly parent-child market): its occurrences are activities."""

    title = models.CharField(_("title"), max_length=100)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organizer"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity series")
        verbose_name_plural = _("activity series")

    def __str__(self) -> str:
        return self.title


class ActivityQuerySet(models.QuerySet):
    def in_year(self, year: int) -> "ActivityQuerySet":
        return self.filter(starts_at__year=year)


class Activity(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=100)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organizer"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    series = models.ForeignKey(
        ActivitySeries,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    venue_home = models.ForeignKey(
        Organization,
        verbose_name=_("women's home or micro-home"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_activities",
    )
    venue_address = models.CharField(_("address"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    certifies = models.CharField(
        _("certifies"), max_length=30, choices=Certification.choices, blank=True
    )
    # The QR code at the venue leads to /checkin/<token>/: unguessable, so nobody checks in
    # to an activity she was not at by counting ids.
    checkin_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["organization", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.title} {timezone.localtime(self.starts_at):%Y-%m-%d}"

    @property
    def venue(self) -> str:
        return self.venue_home.name if self.venue_home else self.venue_address


class AttendanceSource(models.TextChoices):
    ADDED = "added", _("Added by staff")
    CHECKIN = "checkin", _("Checked in by QR code")


class Attendance(models.Model):
    """One person at one activity: a member, or a guest known by name and mobile."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    guest_name = models.CharField(_("guest's name"), max_length=50, blank=True)
    guest_mobile = models.CharField(_("guest's mobile"), max_length=11, blank=True)
    children = models.PositiveSmallIntegerField(_("children attending"), default=0)
    source = models.CharField(max_length=10, choices=AttendanceSource.choices)
    at = models.DateTimeField(_("recorded at"), default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"],
                condition=Q(member__isnull=False),
                name="attendance_member_once",
            ),
            models.UniqueConstraint(
                fields=["activity", "guest_mobile"],
                condition=Q(member__isnull=True),
                name="attendance_guest_once",
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=False) | ~Q(guest_mobile=""),
                name="attendance_member_or_guest",
            ),
            models.CheckConstraint(condition=Q(children__lte=50), name="attendance_children_max"),
        ]

    def __str__(self) -> str:
        return self.member.name if self.member_id else self.guest_name


class DeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Deed(models.Model):
    """A practical deed (办实事) done for members by an executive-committee member."""

    title = models.CharField(_("title"), max_length=100)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    responsible = models.ForeignKey(
        Member,
        verbose_name=_("responsible executive"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deeds_responsible",
    )
    beneficiaries = models.ManyToManyField(
        Member, verbose_name=_("beneficiary members"), blank=True, related_name="deeds_received"
    )
    beneficiary_count = models.PositiveIntegerField(_("number of beneficiaries"), default=0)
    done_on = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeedStatus.choices, default=DeedStatus.OPEN
    )
    evidence = models.TextField(_("evidence notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("practical deed")
        verbose_name_plural = _("practical deeds")
        ordering = ["-done_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class JobPosting(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    employer = models.CharField(_("employer"), max_length=100)
    position = models.CharField(_("position"), max_length=100)
    openings = models.PositiveIntegerField(_("openings"))
    filled = models.PositiveIntegerField(_("filled"), default=0)
    pay_min = models.PositiveIntegerField(_("pay from (yuan / month)"), null=True, blank=True)
    pay_max = models.PositiveIntegerField(_("pay up to (yuan / month)"), null=True, blank=True)
    posted_on = models.DateField(_("posted on"))
    closes_on = models.DateField(_("open until"), null=True, blank=True)
    contact = models.CharField(_("contact"), max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("job posting")
        verbose_name_plural = _("job postings")
        ordering = ["-posted_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(openings__gte=1), name="job_openings_positive"),
            models.CheckConstraint(
                condition=Q(filled__lte=models.F("openings")), name="job_filled_within_openings"
            ),
            models.CheckConstraint(
                condition=Q(pay_min__isnull=True)
                | Q(pay_max__isnull=True)
                | Q(pay_min__lte=models.F("pay_max")),
                name="job_pay_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer} · {self.position}"


class DonationKind(models.TextChoices):
    MONEY = "money", _("Money")
    GOODS = "goods", _("Goods")


class Donation(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=DonationKind.choices)
    donor = models.CharField(_("donor"), max_length=100)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("recipient organization"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recipients = models.ManyToManyField(
        Member, verbose_name=_("recipient members"), blank=True, related_name="donations_received"
    )
    value_yuan = models.DecimalField(_("value (yuan)"), max_digits=12, decimal_places=2)
    goods = models.CharField(_("goods"), max_length=200, blank=True)
    given_on = models.DateField(_("date"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(value_yuan__gte=0), name="donation_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.donor} {self.value_yuan}"
