import datetime
import itertools

import factory
from django.contrib.auth import get_user_model

from federation.models import Office, Organization, OrganizationKind, RoleGrant, Term
from markets.models import Market, Shop, ShopCategory
from members.counts import counts_kept
from members.models import Member, Membership, Occupation
from members.validators import id_number_check_char

_mobile_counter = itertools.count(1)
_id_counter = itertools.count(1)


def make_mobile() -> str:
    return f"139{next(_mobile_counter):08d}"


def make_id_number(birth: datetime.date = datetime.date(1988, 5, 17), female: bool = True) -> str:
    serial = next(_id_counter) % 500
    sex_digit = (serial % 5) * 2 + (0 if female else 1)
    first17 = f"430203{birth:%Y%m%d}{serial // 5 % 100:02d}{sex_digit}"
    return first17 + id_number_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"组织{n}")
    kind = OrganizationKind.MARKET_FEDERATION
    established_on = datetime.date(2019, 6, 1)


class MarketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Market

    name = factory.Sequence(lambda n: f"市场{n}")
    federation = factory.LazyAttribute(
        lambda o: OrganizationFactory(
            name=f"{o.name}妇联", kind=OrganizationKind.MARKET_FEDERATION, parent=o.cluster
        )
    )


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    market = factory.SubFactory(MarketFactory)
    stall_number = factory.Sequence(lambda n: f"A1-{n:03d}")
    floor = 1
    business_name = factory.Sequence(lambda n: f"丹丹童装{n}")
    category = ShopCategory.CHILDRENS_WEAR


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    name = "赵丹"
    mobile = factory.LazyFunction(make_mobile)
    id_number = factory.LazyFunction(make_id_number)
    occupation = Occupation.SHOP_OWNER
    joined_on = datetime.date(2019, 6, 1)


class MembershipFactory(factory.django.DjangoModelFactory):
    """A membership as test data; the member counts follow it as the services keep them."""

    class Meta:
        model = Membership

    member = factory.SubFactory(MemberFactory)
    starts_on = datetime.date(2019, 6, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        member = kwargs["member"]
        with counts_kept([member.pk]):
            return super()._create(model_class, *args, **kwargs)


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term

    number = 1
    starts_on = datetime.date(2019, 6, 1)


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    member = factory.SubFactory(MemberFactory)
    starts_on = factory.LazyAttribute(lambda o: o.term.starts_on)


class RoleGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
