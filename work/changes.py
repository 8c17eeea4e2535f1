from django.utils.translation import gettext_lazy as _

from audit import changes


def register() -> None:
    changes.register("activity_created", _("Activity %(title)s created"))
    changes.register("attendance_added", _("%(name)s added to the activity %(title)s"))
    changes.register("attendance_removed", _("%(name)s removed from the activity %(title)s"))
    changes.register("deed_recorded", _("Practical deed %(title)s recorded"))
    changes.register("deed_done", _("Practical deed %(title)s marked done"))
    changes.register("job_posted", _("Job posting %(position)s at %(employer)s"))
    changes.register("job_filled", _("Job posting %(position)s: %(filled)s filled"))
    changes.register("donation_recorded", _("Donation from %(donor)s recorded"))
    changes.register("activity_edited", _("Activity %(title)s corrected"))
    changes.register("activity_deleted", _("Activity %(title)s deleted"))
    changes.register("deed_edited", _("Practical deed %(title)s corrected"))
    changes.register("deed_deleted", _("Practical deed %(title)s deleted"))
    changes.register("job_edited", _("Job posting %(position)s at %(employer)s corrected"))
    changes.register("job_deleted", _("Job posting %(position)s at %(employer)s deleted"))
    changes.register("donation_edited", _("Donation from %(donor)s corrected"))
    changes.register("donation_deleted", _("Donation from %(donor)s deleted"))
