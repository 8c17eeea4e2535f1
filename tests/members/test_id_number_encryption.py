import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from members import crypto
from members.models import Member
from members.selectors import members_matching_id_number
from tests.factories import MemberFactory

NUMBER = "11010519491231002X"


def raw_row(member: Member) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, id_number_digest, id_number_tail_digest FROM members_member"
            " WHERE id = %s",
            [member.pk],
        )
        return cursor.fetchone()


def test_the_database_holds_ciphertext_not_the_number(db):
    member = MemberFactory(id_number=NUMBER)
    stored, full, tail = raw_row(member)
    assert NUMBER not in stored and "002X" not in stored
    assert NUMBER not in full and len(full) == 64 and tail != full
    assert Member.objects.get(pk=member.pk).id_number == NUMBER


def test_search_by_exact_number_or_last_four(db):
    member = MemberFactory(id_number=NUMBER)
    MemberFactory(id_number="")
    assert list(members_matching_id_number(Member.objects.all(), NUMBER.lower())) == [member]
    assert list(members_matching_id_number(Member.objects.all(), "002x")) == [member]
    assert not members_matching_id_number(Member.objects.all(), "1234").exists()
    assert not members_matching_id_number(Member.objects.all(), "02X").exists()


def test_uniqueness_among_current_members_holds_through_the_digest(db):
    MemberFactory(id_number=NUMBER)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(id_number=NUMBER.lower())


def test_bulk_insert_encrypts_and_digests_too(db):
    Member.objects.bulk_create(
        [Member(name="批量", mobile="13900000001", id_number=NUMBER, occupation="shop_owner")]
    )
    stored, full, _ = raw_row(Member.objects.get(mobile="13900000001"))
    assert NUMBER not in stored and full == crypto.full_digest(NUMBER)


def test_key_rotation_re_encrypts_under_the_new_key(db, settings):
    member = MemberFactory(id_number=NUMBER)
    old_cipher, old_digest, _ = raw_row(member)
    new_key = Fernet.generate_key().decode()
    settings.ID_NUMBER_KEYS = [new_key, *settings.ID_NUMBER_KEYS]
    settings.ID_NUMBER_HASH_KEY = "a-brand-new-hash-key-for-the-digests-0123456789"
    crypto.reset_key_cache()
    try:
        call_command("rotate_id_number_keys", stdout=io.StringIO())
        new_cipher, new_digest, _ = raw_row(member)
        assert new_cipher != old_cipher and new_digest != old_digest
        # Only the new key is needed from now on.
        settings.ID_NUMBER_KEYS = [new_key]
        crypto.reset_key_cache()
        assert Member.objects.get(pk=member.pk).id_number == NUMBER
        assert members_matching_id_number(Member.objects.all(), NUMBER).get() == member
    finally:
        crypto.reset_key_cache()
