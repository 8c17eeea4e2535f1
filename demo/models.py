from django.db import models


class DemoObject(models.Model):
    """A row that seed_demo created, under the key a re-run finds it by.

    Keys come from the plan, never from data someone can edit: ``organization:<plan name>``,
    ``member:<seed>:<index>``, ``login:<username>``. A demo member whose mobile or name was
    corrected is still hers, and a login the demo did not create has no key, so the demo
    never touches it. Memberships, honors, offices and tags of a member are created with her
    in one transaction and never looked up again, so they have no key of their own.
    """

    key = models.CharField(max_length=200, unique=True)
    # The model's label_lower, "members.member": no content types needed to read it back.
    model = models.CharField(max_length=100)
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "object_id"], name="demo_object_unique_row"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.model} {self.object_id}"
