"""The member counts per organization (federation.MemberCount), kept exact.

An organization counts a member when she is a current member with an open membership in the
organization or anywhere under it; she counts once, however many of her memberships lie
there. Each service that changes memberships or status runs inside `counts_kept(ids)`: the
organizations that count each of those members are read before and after the change, and the
difference is added to the counts in the same transaction. Additions (F() + n) commute, so
two services changing different members at once both land; the services lock the members they
change, so two services never read the same member's "before" at once.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import F

from federation.models import MemberCount, Organization
from members.models import Membership, MemberStatus, members_reach_refresh

_CHUNK = 2000


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _counting(member_ids: list[int]) -> dict[int, set[int]]:
    """For each current member among the ids: the organizations that count her."""
    counting: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(member_ids), _CHUNK):
        rows = Membership.objects.filter(
            member_id__in=member_ids[start : start + _CHUNK],
            ends_on__isnull=True,
            member__status=MemberStatus.CURRENT,
        ).values_list("member_id", "organization_id", "organization__path")
        for member_id, organization_id, path in rows:
            counting[member_id].add(organization_id)
            counting[member_id].update(_path_ids(path))
    return counting


def _add(delta: Counter) -> None:
    changed = {pk: n for pk, n in delta.items() if n}
    if not changed:
        return
    MemberCount.objects.bulk_create(
        [MemberCount(organization_id=pk) for pk in changed], ignore_conflicts=True
    )
    by_amount: dict[int, list[int]] = defaultdict(list)
    for pk, n in changed.items():
        by_amount[n].append(pk)
    for n, pks in by_amount.items():
        MemberCount.objects.filter(organization_id__in=pks).update(members=F("members") + n)


@contextmanager
def counts_kept(member_ids: Iterable[int]) -> Iterator[None]:
    """Run a change of these members' memberships or status; then bring the counts (and
    the members' reach) along."""
    ids = sorted(set(member_ids))
    if not ids:
        yield
        return
    with transaction.atomic():
        before = _counting(ids)
        yield
        # The same changes move her reach (Member.reach: who sees her), in this transaction.
        members_reach_refresh(ids)
        after = _counting(ids)
        delta: Counter = Counter()
        for member_id in before.keys() | after.keys():
            was, now = before.get(member_id, set()), after.get(member_id, set())
            delta.update(now - was)
            delta.subtract(was - now)
        _add(delta)


def counts_add_new(organization: Organization, count: int) -> None:
    """`count` new current members whose only membership is in `organization` (a roster
    import): they count there and in every organization above it."""
    if count:
        _add(Counter({pk: count for pk in {organization.pk, *_path_ids(organization.path)}}))


def counts_from_scratch() -> dict[int, int]:
    """Every organization's count, computed from the memberships (the definition)."""
    paths = dict(Organization.objects.values_list("pk", "path"))
    counting: dict[int, set[int]] = defaultdict(set)
    rows = Membership.objects.filter(
        ends_on__isnull=True, member__status=MemberStatus.CURRENT
    ).values_list("member_id", "organization_id")
    for member_id, organization_id in rows.iterator(chunk_size=10_000):
        counting[member_id].add(organization_id)
    totals: Counter = Counter({pk: 0 for pk in paths})
    for organizations in counting.values():
        covered = set(organizations)
        for pk in organizations:
            covered.update(_path_ids(paths[pk]))
        totals.update(covered)
    return dict(totals)


@transaction.atomic
def member_counts_rebuild() -> int:
    """Recompute every count (after a bulk load, an organization's move, or to repair).
    Returns how many counts were wrong."""
    if connection.vendor == "postgresql":
        # Writers that already changed counts finish first; later ones wait for this one and
        # then add their own change on top of the recomputed numbers.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {MemberCount._meta.db_table} IN EXCLUSIVE MODE")
    expected = counts_from_scratch()
    stored = dict(MemberCount.objects.values_list("organization_id", "members"))
    wrong = {pk: n for pk, n in expected.items() if stored.get(pk) != n}
    MemberCount.objects.bulk_create(
        [MemberCount(organization_id=pk) for pk in expected if pk not in stored],
        ignore_conflicts=True,
    )
    for pk, n in wrong.items():
        MemberCount.objects.filter(organization_id=pk).update(members=n)
    return len(wrong)
