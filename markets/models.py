from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from federation.models import Organization, OrganizationKind


class Market(models.Model):
    """A professional market (专业市场) of the cluster, with its own market federation."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    cluster = models.ForeignKey(
        Organization,
        verbose_name=_("market-cluster federation"),
        on_delete=models.PROTECT,
        related_name="markets",
        limit_choices_to={"kind": OrganizationKind.MARKET_CLUSTER_FEDERATION},
    )
    federation = models.OneToOneField(
        Organization,
        verbose_name=_("market federation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="market",
        limit_choices_to={"kind": OrganizationKind.MARKET_FEDERATION},
    )
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("market")
        verbose_name_plural = _("markets")
        # By pinyin, through its federation (邵兴城 under S).
        ordering = ["federation__sort_name", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.cluster_id and self.cluster.kind != OrganizationKind.MARKET_CLUSTER_FEDERATION:
            raise ValidationError({"cluster": _("Choose a market-cluster federation.")})
        if self.federation_id:
            if self.federation.kind != OrganizationKind.MARKET_FEDERATION:
                raise ValidationError({"federation": _("Choose a market federation.")})
            if self.cluster_id and self.federation.parent_id != self.cluster_id:
                raise ValidationError(
                    {"federation": _("The market federation must belong to the market's cluster.")}
                )


class ShopCategory(models.TextChoices):
    CHILDRENS_WEAR = "childrens_wear", _("Children's wear")
    WOMENS_WEAR = "womens_wear", _("Women's wear")
    MENS_WEAR = "mens_wear", _("Men's wear")
    FABRIC = "fabric", _("Fabric")
    SHOES_BAGS = "shoes_bags", _("Shoes and bags")
    ACCESSORIES = "accessories", _("Accessories")
    UNDERWEAR = "underwear", _("Underwear")
    SPORTSWEAR = "sportswear", _("Sportswear")
    OTHER = "other", _("Other")


class Shop(models.Model):
    """A business with a stall (档口) in a market."""

    market = models.ForeignKey(
        Market, verbose_name=_("market"), on_delete=models.PROTECT, related_name="shops"
    )
    stall_number = models.CharField(_("stall number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    business_name = models.CharField(_("business name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=ShopCategory.choices)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["market", "stall_number"]
        constraints = [
            models.UniqueConstraint(fields=["market", "stall_number"], name="shop_unique_stall"),
        ]

    def __str__(self) -> str:
        return f"{self.business_name}（{self.market} {self.stall_number}）"
