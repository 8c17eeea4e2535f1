from django.core.management.base import BaseCommand
from django.db import transaction

from members import crypto
from members.models import Member


class Command(BaseCommand):
    help = (
        "Re-encrypt every ID number with the first key of ID_NUMBER_KEYS and recompute the "
        "search digests with ID_NUMBER_HASH_KEY. Run after putting a new key in front of "
        "ID_NUMBER_KEYS or changing ID_NUMBER_HASH_KEY; then the old key can be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size: int, **options):
        crypto.reset_key_cache()
        ids = list(
            Member.objects.exclude(id_number="")
            .exclude(id_number__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        done = 0
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            with transaction.atomic():
                members = list(
                    Member.objects.filter(pk__in=chunk).only(
                        "pk", "id_number", "id_number_digest", "id_number_tail_digest"
                    )
                )
                for member in members:
                    # Loading decrypted with any key; saving encrypts with the newest one.
                    member.id_number_digest = crypto.full_digest(member.id_number)
                    member.id_number_tail_digest = crypto.tail_digest(member.id_number)
                Member.objects.bulk_update(
                    members, ["id_number", "id_number_digest", "id_number_tail_digest"]
                )
            done += len(members)
            self.stdout.write(f"{done}/{len(ids)} ID numbers re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Done: {done} ID numbers under the newest key."))
