"""The demo district of ``manage.py seed_demo``: 芦淞 as the news article in ``seed/`` tells it.

Two halves. ``plan_district()`` describes the fixed organization tree (38 markets, 26 women's
homes, 12 micro-homes, 42 new-sector organizations, terms and coverage targets) — it does not
depend on the seed, so different seeds share one tree. ``MemberPlanner`` invents the people:
member *i* depends only on the seed, on *i* and on members 0 … i-1, never on how many are asked
for, so a larger ``--members`` extends the same list and a re-run generates the same people.

Nothing here touches the database; ``demo.load`` turns the plans into rows.
"""

import bisect
import calendar
import datetime
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from federation.models import Industry, OrganizationKind, Position, SectorCategory
from markets.models import ShopCategory
from members.models import Education, HonorKind, Occupation, PoliticalStatus
from members.validators import id_number_check_char

# People are generated up to this day (or today, if that is earlier), never up to "now": a
# re-run next week must draw the very same people, or it would insert all of them again.
DATA_UNTIL = datetime.date(2026, 11, 20)
FOUNDED_ON = datetime.date(2019, 6, 1)

CITY_NAME = "株洲市妇联"
DISTRICT_NAME = "芦淞区妇联"
CLUSTER_NAME = "芦淞市场群妇联"

# The structure never depends on --seed: every seed fills the same tree.
_STRUCTURE_SEED = 2019


class WeightedTable[T]:
    """Items with weights, drawn with one ``rng.random()`` each (bisect on cumulative sums)."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.items = [item for item, _ in pairs]
        self.cumulative: list[float] = []
        running = 0.0
        for _, weight in pairs:
            running += weight
            self.cumulative.append(running)
        self.total = running

    def pick(self, rng: random.Random) -> T:
        index = bisect.bisect_right(self.cumulative, rng.random() * self.total)
        return self.items[min(index, len(self.items) - 1)]


# --- Static data ----------------------------------------------------------------------------

# (market name, relative size, dominant shop categories). The first three are in the article.
MARKETS: list[tuple[str, int, tuple[str, ...]]] = [
    ("邵兴城市场", 5, ("childrens_wear", "womens_wear")),
    ("大汉悦中心", 5, ("womens_wear",)),
    ("天泽华丽", 5, ("womens_wear", "accessories")),
    ("芦淞服饰城", 5, ("womens_wear", "mens_wear")),
    ("新芦淞服饰广场", 4, ("womens_wear",)),
    ("金帝批发市场", 4, ("mens_wear", "womens_wear")),
    ("湘运服饰城", 4, ("womens_wear",)),
    ("株洲国际服装城", 4, ("womens_wear", "mens_wear")),
    ("南大门服饰城", 4, ("womens_wear",)),
    ("中南大市场", 4, ("womens_wear", "childrens_wear")),
    ("神农服饰城", 3, ("mens_wear",)),
    ("芦淞童装城", 3, ("childrens_wear",)),
    ("金都面料市场", 3, ("fabric",)),
    ("新时代服饰广场", 3, ("womens_wear",)),
    ("庆云服饰城", 3, ("womens_wear",)),
    ("建设路女装城", 3, ("womens_wear",)),
    ("银都服饰城", 3, ("womens_wear", "mens_wear")),
    ("东方商业城", 3, ("accessories", "womens_wear")),
    ("湘江服饰广场", 3, ("womens_wear",)),
    ("芦淞百货批发大楼", 3, ("accessories", "other")),
    ("宏达鞋城", 2, ("shoes_bags",)),
    ("芦淞内衣城", 2, ("underwear",)),
    ("株洲体育服饰城", 2, ("sportswear",)),
    ("锦绣服饰城", 2, ("womens_wear",)),
    ("荷塘服装辅料市场", 2, ("other", "fabric")),
    ("芦淞女装名城", 2, ("womens_wear",)),
    ("九方服饰城", 2, ("womens_wear", "childrens_wear")),
    ("汇丰批发城", 2, ("mens_wear",)),
    ("新天地服饰城", 2, ("womens_wear",)),
    ("金海服饰广场", 2, ("womens_wear",)),
    ("华美服饰城", 2, ("womens_wear",)),
    ("时尚女装街", 2, ("womens_wear",)),
    ("星光童装城", 2, ("childrens_wear",)),
    ("芦淞布料大市场", 2, ("fabric",)),
    ("荣华皮具城", 2, ("shoes_bags",)),
    ("新华西服饰城", 2, ("womens_wear",)),
    ("钻石服饰广场", 2, ("womens_wear",)),
    ("紫荆服饰城", 2, ("womens_wear",)),
]

STREETS = ["建设南路", "芦淞路", "车站路", "人民南路", "董家塅大道", "沿江南路", "新华西路"]

# Women's homes: one in each of the first 24 markets, two directly under the cluster.
CLUSTER_HOMES = ["芦淞市场群她创微空间妇女之家", "株洲1号直播孵化基地妇女之家"]
MARKETS_WITH_HOME = 24

# Micro-homes: (market, theme).
MICRO_HOMES = [
    ("天泽华丽", "直播"),
    ("邵兴城市场", "红星小掌柜"),
    ("大汉悦中心", "宝妈"),
    ("芦淞服饰城", "巧手"),
    ("新芦淞服饰广场", "心灵驿站"),
    ("金帝批发市场", "姐妹"),
    ("湘运服饰城", "书香"),
    ("株洲国际服装城", "创业"),
    ("南大门服饰城", "亲子"),
    ("中南大市场", "巾帼志愿"),
    ("芦淞童装城", "童心"),
    ("金都面料市场", "布艺"),
]

_EL = Industry.EXPRESS_LOGISTICS
_FD = Industry.FOOD_DELIVERY
_HP = Industry.HOUSEKEEPING_PROPERTY
_LE = Industry.LIVESTREAM_ECOMMERCE
_SS = Industry.SOCIAL_SERVICE
_CL = Industry.CLOTHING
_OT = Industry.OTHER
_ECO = SectorCategory.NEW_ECONOMIC
_SOC = SectorCategory.NEW_SOCIAL
_EMP = SectorCategory.NEW_EMPLOYMENT
_COURIER = (Occupation.COURIER,)
_DELIVERY = (Occupation.DELIVERY,)
_PROPERTY = (Occupation.PROPERTY, Occupation.CLEANER, Occupation.PROPERTY)  # 2 : 1
_HOUSEKEEPING = (Occupation.HOUSEKEEPING,)
_STREAMER = (Occupation.STREAMER,)
_TRADE = (Occupation.SHOP_OWNER, Occupation.SHOP_EMPLOYEE, Occupation.OTHER)
_OTHER = (Occupation.OTHER,)

# The 42 organizations of the "她创" alliance: (name, category, industry, members' occupations).
SECTOR_ORGANIZATIONS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("顺丰速运芦淞网点妇女小组", _ECO, _EL, _COURIER),
    ("中通快递芦淞分部妇女小组", _ECO, _EL, _COURIER),
    ("圆通速递芦淞网点妇女小组", _ECO, _EL, _COURIER),
    ("韵达快递芦淞网点妇女小组", _ECO, _EL, _COURIER),
    ("申通快递芦淞网点妇女小组", _ECO, _EL, _COURIER),
    ("京东物流芦淞营业部妇女小组", _ECO, _EL, _COURIER),
    ("极兔速递芦淞网点妇女小组", _ECO, _EL, _COURIER),
    ("德邦物流芦淞营业部妇女小组", _ECO, _EL, _COURIER),
    ("中国邮政芦淞揽投部妇女小组", _ECO, _EL, _COURIER),
    ("株洲1号直播孵化基地妇女小组", _ECO, _LE, _STREAMER),
    ("芦淞服饰直播电商产业园妇女小组", _ECO, _LE, _STREAMER),
    ("湘品优选电商公司妇女小组", _ECO, _LE, _STREAMER),
    ("芦淞市场群物业管理公司妇女小组", _ECO, _HP, _PROPERTY),
    ("邵兴城物业服务公司妇女小组", _ECO, _HP, _PROPERTY),
    ("大汉物业芦淞项目妇女小组", _ECO, _HP, _PROPERTY),
    ("天泽华丽物业公司妇女小组", _ECO, _HP, _PROPERTY),
    ("株洲服饰供应链公司妇女小组", _ECO, _CL, _TRADE),
    ("芦淞服装设计打版工作室联合妇女小组", _ECO, _CL, _TRADE),
    ("芦淞区服饰行业协会妇女委员会", _SOC, _CL, _TRADE),
    ("芦淞区女企业家协会市场群分会", _SOC, _OT, (Occupation.SHOP_OWNER,)),
    ("芦淞区家政服务行业协会妇女小组", _SOC, _HP, _HOUSEKEEPING),
    ("芦淞区电子商务协会妇女小组", _SOC, _LE, _STREAMER),
    ("芦淞区巾帼志愿者协会市场群分会", _SOC, _SS, _OTHER),
    ("芦淞区心理咨询师协会妇女小组", _SOC, _SS, _OTHER),
    ("芦淞区益民社会工作服务中心妇女小组", _SOC, _SS, _OTHER),
    ("芦淞区个体劳动者协会妇女小组", _SOC, _OT, _TRADE),
    ("株洲市服装商会芦淞女商户联谊会", _SOC, _CL, (Occupation.SHOP_OWNER,)),
    ("美团外卖芦淞站点她创联盟小组", _EMP, _FD, _DELIVERY),
    ("饿了么芦淞站点她创联盟小组", _EMP, _FD, _DELIVERY),
    ("美团外卖建设南路站点她创联盟小组", _EMP, _FD, _DELIVERY),
    ("饿了么董家塅站点她创联盟小组", _EMP, _FD, _DELIVERY),
    ("达达快送芦淞站点她创联盟小组", _EMP, _FD, _DELIVERY),
    ("货拉拉芦淞女司机她创联盟小组", _EMP, _EL, _COURIER),
    ("芦淞市场快递驿站她创联盟小组", _EMP, _EL, _COURIER),
    ("芦淞市场物流搬运女工她创联盟小组", _EMP, _EL, _COURIER),
    ("芦淞市场网络主播她创联盟小组", _EMP, _LE, _STREAMER),
    ("芦淞市场带货达人她创联盟小组", _EMP, _LE, _STREAMER),
    ("芦淞家政服务员她创联盟小组", _EMP, _HP, _HOUSEKEEPING),
    ("芦淞月嫂育婴师她创联盟小组", _EMP, _HP, _HOUSEKEEPING),
    ("芦淞市场保洁员她创联盟小组", _EMP, _HP, (Occupation.CLEANER,)),
    ("芦淞服装加工女工她创联盟小组", _EMP, _CL, _OTHER),
    ("芦淞网约车女司机她创联盟小组", _EMP, _OT, _OTHER),
]

# How many organizations *should* exist per category (the 组建率 denominator), for the district.
COVERAGE_EXPECTED = {_ECO: 20, _SOC: 10, _EMP: 17}

TAG_RED_MERCHANT = "红商户"
TAG_POST90 = "90后创业"
TAG_MOTHER = "全职宝妈转型"
TAG_STREAMER = "主播"
TAG_VOLUNTEER = "巾帼志愿者"
TAG_FARM_LIVE = "助农直播"
TAG_RETURNEE = "返乡创业"
TAG_ALLIANCE = "她创联盟"
TAGS = [
    TAG_RED_MERCHANT,
    TAG_POST90,
    TAG_MOTHER,
    TAG_STREAMER,
    TAG_VOLUNTEER,
    TAG_FARM_LIVE,
    TAG_RETURNEE,
    TAG_ALLIANCE,
]

SURNAMES = WeightedTable(
    [
        ("刘", 7.0), ("李", 6.5), ("陈", 5.5), ("王", 5.0), ("张", 4.5), ("周", 3.5),
        ("彭", 2.8), ("谭", 2.8), ("罗", 2.7), ("唐", 2.6), ("黄", 2.5), ("曾", 2.2),
        ("邓", 2.2), ("胡", 2.1), ("易", 1.8), ("杨", 2.0), ("吴", 1.8), ("肖", 1.8),
        ("文", 1.5), ("龙", 1.4), ("谢", 1.5), ("何", 1.4), ("赵", 1.2), ("钟", 1.0),
        ("贺", 1.0), ("蒋", 1.0), ("段", 0.9), ("欧阳", 0.8), ("朱", 1.0), ("徐", 1.0),
        ("孙", 0.8), ("郭", 0.8), ("马", 0.7), ("高", 0.7), ("林", 0.7), ("宋", 0.6),
        ("郑", 0.6), ("许", 0.6), ("袁", 0.7), ("汤", 0.6), ("邹", 0.7), ("颜", 0.5),
        ("廖", 0.7), ("丁", 0.5), ("夏", 0.5), ("秦", 0.4), ("尹", 0.5), ("雷", 0.5),
        ("付", 0.5), ("凌", 0.3), ("左", 0.4), ("聂", 0.4), ("戴", 0.5), ("贾", 0.3),
        ("毛", 0.4), ("阳", 0.4), ("方", 0.4), ("石", 0.4), ("姚", 0.4), ("田", 0.4),
    ]
)  # fmt: skip

# Given names by the decade a woman was born in; single characters are common at every age.
GIVEN_OLDER = WeightedTable(
    [(name, 1.0) for name in (
        "秀英 桂英 秀兰 玉兰 桂兰 凤英 春梅 冬梅 爱华 建华 红梅 美华 丽华 淑珍 玉梅 素芬 翠兰 "
        "金花 月娥 春兰 小红 小燕 玉珍 桂芳 淑华 凤兰 菊香 腊梅 秋菊 艳华 满香 英 兰 梅 华 芳 "
        "琴 萍 珍 霞 红 群"
    ).split()]
)  # fmt: skip
GIVEN_MIDDLE = WeightedTable(
    [(name, 1.0) for name in (
        "丽娟 海燕 晓燕 丽萍 雅琴 红霞 小丽 丹丹 晓丽 丽君 艳红 美玲 春燕 慧敏 秀娟 小芳 晓红 "
        "丽霞 玉洁 海英 晓梅 丽娜 金凤 亚男 艳 静 敏 丹 芳 燕 娟 玲 莉 颖 红 霞 琳 蓉 慧 娜 "
        "萍 琼"
    ).split()]
)  # fmt: skip
GIVEN_YOUNGER = WeightedTable(
    [(name, 1.0) for name in (
        "婷婷 欣怡 梓涵 雨萱 诗涵 梦瑶 雨婷 思琪 佳怡 紫涵 晓彤 嘉欣 心怡 雨欣 子涵 可欣 若曦 "
        "梦琪 佳琪 思雨 静怡 雅婷 丹妮 晶晶 露露 倩 蕾 璐 瑶 琪 薇 洁 雪 悦 菲 怡 婧 妍 茜"
    ).split()]
)  # fmt: skip

MOBILE_PREFIXES = WeightedTable(
    [(prefix, 1.0) for prefix in (
        "130 131 132 133 134 135 136 137 138 139 147 150 151 152 153 155 156 157 158 159 "
        "166 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 198 199"
    ).split()]
    + [("135", 3.0), ("138", 3.0), ("139", 4.0), ("150", 2.0), ("158", 2.0), ("186", 2.0)]
)  # fmt: skip

# Where members' ID numbers were issued: mostly 株洲 and the rest of 湖南. Second item: weight;
# third: the ethnicities of the region besides 汉族 with their shares.
REGIONS: list[tuple[str, float, tuple[tuple[str, float], ...]]] = [
    ("430203", 30, ()),  # 芦淞区
    ("430202", 8, ()),  # 荷塘区
    ("430204", 6, ()),  # 石峰区
    ("430211", 6, ()),  # 天元区
    ("430212", 3, ()),  # 渌口区
    ("430221", 5, ()),  # 株洲县 (before 2018)
    ("430223", 8, ()),  # 攸县
    ("430224", 4, ()),  # 茶陵县
    ("430225", 3, (("瑶族", 0.03),)),  # 炎陵县
    ("430281", 9, ()),  # 醴陵市
    ("430102", 2, ()),  # 长沙市芙蓉区
    ("430321", 2, ()),  # 湘潭县
    ("430421", 2, ()),  # 衡阳县
    ("430521", 2, ()),  # 邵东县
    ("431021", 1, ()),  # 桂阳县
    ("433101", 1.5, (("土家族", 0.35), ("苗族", 0.35))),  # 吉首市
    ("433130", 1, (("土家族", 0.6), ("苗族", 0.1))),  # 龙山县
    ("431229", 0.8, (("苗族", 0.35), ("侗族", 0.3))),  # 靖州苗族侗族自治县
    ("431230", 0.8, (("侗族", 0.6), ("苗族", 0.1))),  # 通道侗族自治县
    ("431129", 0.8, (("瑶族", 0.5),)),  # 江华瑶族自治县
]
REGION_TABLE = WeightedTable([(region, weight) for region, weight, _ in REGIONS])
REGION_ETHNICITIES = {region: minorities for region, _, minorities in REGIONS}
MINORITIES = ["土家族", "苗族", "侗族", "瑶族"]

MARKET_OCCUPATIONS = WeightedTable(
    [
        (Occupation.SHOP_OWNER, 38),
        (Occupation.SHOP_EMPLOYEE, 40),
        (Occupation.STREAMER, 12),
        (Occupation.MANAGER, 3),
        (Occupation.CLEANER, 4),
        (Occupation.PROPERTY, 2),
        (Occupation.OTHER, 1),
    ]
)
SHOP_CATEGORIES = WeightedTable(
    [
        (ShopCategory.WOMENS_WEAR, 40),
        (ShopCategory.CHILDRENS_WEAR, 20),
        (ShopCategory.MENS_WEAR, 12),
        (ShopCategory.SHOES_BAGS, 8),
        (ShopCategory.ACCESSORIES, 6),
        (ShopCategory.UNDERWEAR, 5),
        (ShopCategory.SPORTSWEAR, 5),
        (ShopCategory.FABRIC, 2),
        (ShopCategory.OTHER, 2),
    ]
)
SHOP_SUFFIXES = {
    ShopCategory.WOMENS_WEAR: ["女装", "服饰", "时装", "衣橱", "衣舍"],
    ShopCategory.CHILDRENS_WEAR: ["童装", "童装坊", "宝贝屋", "童衣馆"],
    ShopCategory.MENS_WEAR: ["男装", "绅士服饰", "男装馆"],
    ShopCategory.FABRIC: ["面料", "布行", "布艺"],
    ShopCategory.SHOES_BAGS: ["鞋包", "鞋业", "皮具"],
    ShopCategory.ACCESSORIES: ["饰品", "配饰", "发饰"],
    ShopCategory.UNDERWEAR: ["内衣", "家居服"],
    ShopCategory.SPORTSWEAR: ["运动服饰", "运动馆"],
    ShopCategory.OTHER: ["辅料商行", "纽扣拉链", "商行"],
}
SHOP_BRANDS = (
    "靓丽 时尚 韩风 欧美 潮流 衣恋 花样 依人 丽人 俏佳人 木棉 蓝天 星星 糖果 贝贝 "
    "快乐宝贝 金凤凰 红玫瑰 紫罗兰 百合 小城故事 梦之缘 锦绣 雅韵 淑女坊 简约 阳光 七彩 "
    "芦淞 湘妹子 株洲 新潮 佳人 名媛 素色 暖阳"
).split()
LEAVING_REASONS = [
    "回老家发展",
    "转行",
    "档口转让",
    "随家人迁居外地",
    "退休",
    "个人原因",
    "外出务工",
]


# --- The district -----------------------------------------------------------------------------


def federation_name(market: str) -> str:
    """邵兴城市场 → 邵兴城市场妇联, 芦淞服饰城 → 芦淞服饰城妇联, 天泽华丽 → 天泽华丽市场妇联."""
    if market.endswith(("市场", "城", "广场", "中心", "街", "大楼")):
        return f"{market}妇联"
    return f"{market}市场妇联"


@dataclass(frozen=True)
class MarketPlan:
    name: str
    federation: str
    weight: int
    established_on: datetime.date
    address: str
    categories: tuple[str, ...]
    max_floor: int


@dataclass(frozen=True)
class HomePlan:
    name: str
    kind: str
    market: str | None  # None: directly under the cluster
    established_on: datetime.date


@dataclass(frozen=True)
class SectorPlan:
    name: str
    category: str
    industry: str
    occupations: tuple[str, ...]
    established_on: datetime.date


@dataclass
class TermPlan:
    organization: str
    number: int
    starts_on: datetime.date
    ends_on: datetime.date | None
    # Positions that generated members fill, in order of rank; the story's people are extra.
    open_positions: list[str] = field(default_factory=list)


@dataclass
class DistrictPlan:
    markets: list[MarketPlan]
    homes: list[HomePlan]
    sectors: list[SectorPlan]
    terms: dict[tuple[str, int], TermPlan]

    def market(self, name: str) -> MarketPlan:
        return next(market for market in self.markets if market.name == name)


def _day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    span = (last - first).days
    return first + datetime.timedelta(days=int(rng.random() * (span + 1)))


def _positions(rng: random.Random, *, chair: bool, vice_taken: int = 0) -> list[str]:
    vice = max(0, rng.randint(1, 2) - vice_taken)
    executives = rng.randint(3, 5)
    return (
        ([Position.CHAIR] if chair else [])
        + [Position.VICE_CHAIR] * vice
        + [Position.EXECUTIVE] * executives
    )


SHAOXING = "邵兴城市场"
TIANZE = "天泽华丽"
SHAOXING_ELECTION = datetime.date(2026, 3, 18)  # 今年 3 月，邵兴城市场妇联换届
CLUSTER_ELECTION = datetime.date(2024, 5, 20)


def plan_district() -> DistrictPlan:
    rng = random.Random(_STRUCTURE_SEED)  # noqa: S311 — demo data, not a secret
    markets = []
    for index, (name, weight, categories) in enumerate(MARKETS):
        # The ten largest set up their federations with the cluster; the others followed.
        established = (
            FOUNDED_ON
            if index < 10
            else _day_between(rng, datetime.date(2019, 7, 1), datetime.date(2020, 12, 31))
        )
        street = STREETS[index % len(STREETS)]
        markets.append(
            MarketPlan(
                name=name,
                federation=federation_name(name),
                weight=weight,
                established_on=established,
                address=f"株洲市芦淞区{street}{rng.randint(1, 300)}号",
                categories=categories,
                max_floor=rng.randint(3, 6),
            )
        )
    homes = [
        HomePlan(
            f"{market.name}妇女之家",
            OrganizationKind.WOMENS_HOME,
            market.name,
            _day_between(
                rng,
                max(market.established_on, datetime.date(2019, 9, 1)),
                datetime.date(2023, 6, 30),
            ),
        )
        for market in markets[:MARKETS_WITH_HOME]
    ]
    homes += [
        HomePlan(
            name,
            OrganizationKind.WOMENS_HOME,
            None,
            _day_between(rng, datetime.date(2020, 3, 1), datetime.date(2022, 12, 31)),
        )
        for name in CLUSTER_HOMES
    ]
    homes += [
        HomePlan(
            f"{market}{theme}妇女微家",
            OrganizationKind.MICRO_HOME,
            market,
            _day_between(rng, datetime.date(2021, 1, 1), datetime.date(2024, 12, 31)),
        )
        for market, theme in MICRO_HOMES
    ]
    sectors = [
        SectorPlan(
            name,
            category,
            industry,
            occupations,
            FOUNDED_ON
            if index % 7 == 0
            else _day_between(rng, datetime.date(2019, 7, 1), datetime.date(2023, 12, 31)),
        )
        for index, (name, category, industry, occupations) in enumerate(SECTOR_ORGANIZATIONS)
    ]
    terms: dict[tuple[str, int], TermPlan] = {
        (CLUSTER_NAME, 1): TermPlan(
            CLUSTER_NAME,
            1,
            FOUNDED_ON,
            CLUSTER_ELECTION,
            [Position.VICE_CHAIR] * 2 + [Position.EXECUTIVE] * 5,
        ),
        (CLUSTER_NAME, 2): TermPlan(
            CLUSTER_NAME,
            2,
            CLUSTER_ELECTION,
            None,
            [Position.VICE_CHAIR] * 3 + [Position.EXECUTIVE] * 6,
        ),
    }
    for market in markets:
        if market.name == SHAOXING:
            election = SHAOXING_ELECTION
            first = _positions(rng, chair=False)  # 刘意 chairs both terms
            second = _positions(rng, chair=False, vice_taken=1)  # 赵丹 is one vice-chair
        else:
            election = _day_between(rng, datetime.date(2025, 3, 1), datetime.date(2026, 9, 30))
            first = _positions(rng, chair=True)
            second = _positions(rng, chair=True)
        terms[(market.federation, 1)] = TermPlan(
            market.federation, 1, market.established_on, election, first
        )
        terms[(market.federation, 2)] = TermPlan(market.federation, 2, election, None, second)
    return DistrictPlan(markets=markets, homes=homes, sectors=sectors, terms=terms)


# --- Members ----------------------------------------------------------------------------------


@dataclass(slots=True)
class PlannedShop:
    market: str
    stall_number: str
    floor: int
    business_name: str
    category: str


@dataclass(slots=True)
class PlannedMembership:
    organization: str
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    end_reason: str = ""


@dataclass(slots=True)
class PlannedOffice:
    organization: str
    term_number: int
    position: str
    starts_on: datetime.date
    ends_on: datetime.date | None


@dataclass(slots=True)
class PlannedMember:
    index: int
    name: str
    mobile: str
    id_number: str
    birth_date: datetime.date | None
    ethnicity: str
    political_status: str
    education: str
    occupation: str
    joined_on: datetime.date
    shop: tuple[str, str] | None = None  # (market, stall number)
    left_on: datetime.date | None = None
    left_reason: str = ""
    notes: str = ""
    memberships: list[PlannedMembership] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    honors: list[tuple[str, int, str]] = field(default_factory=list)  # kind, year, awarded by
    offices: list[PlannedOffice] = field(default_factory=list)


def make_id_number(region: str, birth: datetime.date, sequence: int) -> str:
    """An 18-character ID number of a woman: the 17th digit (end of ``sequence``) is even."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


def _story_members(district: DistrictPlan) -> list[PlannedMember]:
    """The three women the article names, always members 0, 1 and 2."""
    shaoxing = district.market(SHAOXING).federation
    clothing_city = district.market("芦淞服饰城").federation
    wen_birth = datetime.date(1972, 8, 16)
    liu_birth = datetime.date(1978, 4, 9)
    zhao_birth = datetime.date(1983, 10, 27)
    wen = PlannedMember(
        index=0,
        name="文再云",
        mobile="13907330516",
        id_number=make_id_number("430203", wen_birth, 226),
        birth_date=wen_birth,
        ethnicity="汉族",
        political_status=PoliticalStatus.CPC_MEMBER,
        education=Education.BACHELOR,
        occupation=Occupation.MANAGER,
        joined_on=FOUNDED_ON,
        notes="芦淞市场群妇联主席",
        memberships=[PlannedMembership(clothing_city, FOUNDED_ON)],
        tags=[TAG_VOLUNTEER],
        offices=[
            PlannedOffice(CLUSTER_NAME, 1, Position.CHAIR, FOUNDED_ON, CLUSTER_ELECTION),
            PlannedOffice(CLUSTER_NAME, 2, Position.CHAIR, CLUSTER_ELECTION, None),
        ],
    )
    shaoxing_term1 = district.terms[(shaoxing, 1)]
    liu = PlannedMember(
        index=1,
        name="刘意",
        mobile="13973390218",
        id_number=make_id_number("430203", liu_birth, 84),
        birth_date=liu_birth,
        ethnicity="汉族",
        political_status=PoliticalStatus.CPC_MEMBER,
        education=Education.COLLEGE,
        occupation=Occupation.SHOP_OWNER,
        joined_on=FOUNDED_ON,
        shop=(SHAOXING, "A1-008"),
        memberships=[PlannedMembership(shaoxing, FOUNDED_ON)],
        tags=[TAG_VOLUNTEER],
        honors=[(HonorKind.WOMEN_PIONEER, 2022, CLUSTER_NAME)],
        offices=[
            PlannedOffice(shaoxing, 1, Position.CHAIR, shaoxing_term1.starts_on, SHAOXING_ELECTION),
            PlannedOffice(shaoxing, 2, Position.CHAIR, SHAOXING_ELECTION, None),
        ],
    )
    zhao_joined = datetime.date(2019, 9, 12)
    home = next(home for home in district.homes if home.name == f"{SHAOXING}妇女之家")
    zhao = PlannedMember(
        index=2,
        name="赵丹",
        mobile="15873301729",
        id_number=make_id_number("430223", zhao_birth, 128),
        birth_date=zhao_birth,
        ethnicity="汉族",
        political_status=PoliticalStatus.MASSES,
        education=Education.SENIOR_SECONDARY,
        occupation=Occupation.SHOP_OWNER,
        joined_on=zhao_joined,
        shop=(SHAOXING, "B2-017"),
        notes="在邵兴城市场经营服装生意17年；2026年3月换届当选邵兴城市场妇联副主席。",
        memberships=[
            PlannedMembership(shaoxing, zhao_joined),
            PlannedMembership(home.name, max(datetime.date(2020, 11, 5), home.established_on)),
        ],
        tags=[TAG_RED_MERCHANT],
        honors=[(HonorKind.RED_MERCHANT, 2023, shaoxing)],
        offices=[PlannedOffice(shaoxing, 2, Position.VICE_CHAIR, SHAOXING_ELECTION, None)],
    )
    return [wen, liu, zhao]


STORY_SHOPS = {
    (SHAOXING, "A1-008"): PlannedShop(
        SHAOXING, "A1-008", 1, "意意童装", ShopCategory.CHILDRENS_WEAR
    ),
    (SHAOXING, "B2-017"): PlannedShop(SHAOXING, "B2-017", 2, "丹丹服饰", ShopCategory.WOMENS_WEAR),
}
STORY_COUNT = 3


def term_seats(district: DistrictPlan) -> dict[tuple[str, int, str], int]:
    """Offices per (organization, term number, position) in the plan, the story's included."""
    seats: dict[tuple[str, int, str], int] = {}
    for (organization, number), term in district.terms.items():
        for position in term.open_positions:
            key = (organization, number, position)
            seats[key] = seats.get(key, 0) + 1
    for member in _story_members(district):
        for office in member.offices:
            key = (office.organization, office.term_number, office.position)
            seats[key] = seats.get(key, 0) + 1
    return seats


class MemberPlanner:
    """Generates members one after another; see the module docstring for the guarantees."""

    SECTOR_SHARE = 0.08
    LEAVER_SHARE = 0.06
    MOVER_SHARE = 0.055
    ID_SHARE = 0.70

    def __init__(
        self,
        district: DistrictPlan,
        seed: int,
        *,
        until: datetime.date | None = None,
    ) -> None:
        self.district = district
        self.seed = seed
        self.until = min(until or DATA_UNTIL, DATA_UNTIL)
        self.market_table = WeightedTable([(m, float(m.weight)) for m in district.markets])
        self.sector_table = WeightedTable([(s, 1.0) for s in district.sectors])
        self.homes_by_market: dict[str | None, list[HomePlan]] = {}
        for home in district.homes:
            self.homes_by_market.setdefault(home.market, []).append(home)
        self.shops: dict[tuple[str, str], PlannedShop] = dict(STORY_SHOPS)
        self._shops_in_market: dict[str, list[tuple[str, str]]] = {}
        for key in STORY_SHOPS:
            self._shops_in_market.setdefault(key[0], []).append(key)
        self._mobiles: set[str] = set()
        self._id_numbers: set[str] = set()
        self._filled: dict[tuple[str, int], int] = {}
        self._story = _story_members(district)
        self._story_names = {member.name for member in self._story}

    # Helpers --------------------------------------------------------------------------------

    def _mobile(self, rng: random.Random) -> str:
        while True:
            mobile = f"{MOBILE_PREFIXES.pick(rng)}{int(rng.random() * 100_000_000):08d}"
            if mobile not in self._mobiles:
                self._mobiles.add(mobile)
                return mobile

    def _id_number(self, rng: random.Random, region: str, birth: datetime.date) -> str:
        while True:
            id_number = make_id_number(region, birth, int(rng.random() * 500) * 2)
            if id_number not in self._id_numbers:
                self._id_numbers.add(id_number)
                return id_number

    def _name(self, rng: random.Random, birth_year: int) -> str:
        while True:
            if birth_year < 1975:
                table = GIVEN_OLDER
            elif birth_year < 1990:
                table = GIVEN_MIDDLE
            else:
                table = GIVEN_YOUNGER
            name = SURNAMES.pick(rng) + table.pick(rng)
            if name not in self._story_names:
                return name

    def _take_slot(self, organization: str, number: int) -> str | None:
        """The next unfilled position of that term, in rank order, or None when all are taken."""
        term = self.district.terms[(organization, number)]
        filled = self._filled.get((organization, number), 0)
        if filled >= len(term.open_positions):
            return None
        self._filled[(organization, number)] = filled + 1
        return term.open_positions[filled]

    def _slots_left(self, organization: str, number: int) -> bool:
        term = self.district.terms[(organization, number)]
        return self._filled.get((organization, number), 0) < len(term.open_positions)

    def _shop(
        self, rng: random.Random, market: MarketPlan, occupation: str, given: str
    ) -> tuple[str, str] | None:
        if occupation not in (Occupation.SHOP_OWNER, Occupation.SHOP_EMPLOYEE, Occupation.STREAMER):
            return None
        shops = self._shops_in_market.setdefault(market.name, [])
        joins = rng.random() < (0.1 if occupation == Occupation.SHOP_OWNER else 0.93)
        if shops and joins:
            return shops[int(rng.random() * len(shops))]
        while True:
            zone = "ABCDEFGH"[int(rng.random() * 8)]
            floor = 1 + int(rng.random() * market.max_floor)
            stall = f"{zone}{floor}-{1 + int(rng.random() * 199):03d}"
            if (market.name, stall) not in self.shops:
                break
        if rng.random() < 0.6:
            category = market.categories[int(rng.random() * len(market.categories))]
        else:
            category = SHOP_CATEGORIES.pick(rng)
        suffixes = SHOP_SUFFIXES[category]
        suffix = suffixes[int(rng.random() * len(suffixes))]
        if occupation == Occupation.SHOP_OWNER and rng.random() < 0.5:
            brand = given * 2 if len(given) == 1 else given
        else:
            brand = SHOP_BRANDS[int(rng.random() * len(SHOP_BRANDS))]
        key = (market.name, stall)
        self.shops[key] = PlannedShop(market.name, stall, floor, f"{brand}{suffix}", category)
        shops.append(key)
        return key

    # The members ----------------------------------------------------------------------------

    def members(self, count: int) -> Iterator[PlannedMember]:
        for member in self._story[:count]:
            self._mobiles.add(member.mobile)
            self._id_numbers.add(member.id_number)
            yield member
        for index in range(STORY_COUNT, count):
            yield self._member(index)

    def _member(self, index: int) -> PlannedMember:
        rng = random.Random(self.seed * 1_000_003 + index)  # noqa: S311 — demo data
        until = self.until
        chance = rng.random

        # Where she works.
        sector: SectorPlan | None = None
        market: MarketPlan | None = None
        if chance() < self.SECTOR_SHARE:
            sector = self.sector_table.pick(rng)
            occupations = sector.occupations
            occupation = occupations[int(chance() * len(occupations))]
            works_in_market = occupation in (
                Occupation.PROPERTY,
                Occupation.CLEANER,
                Occupation.STREAMER,
            )
            if works_in_market and chance() < 0.5:
                market = self.market_table.pick(rng)
        else:
            market = self.market_table.pick(rng)
            occupation = MARKET_OCCUPATIONS.pick(rng)

        # Who she is.
        if occupation == Occupation.STREAMER:
            birth_year = int(rng.triangular(1985, 2004, 1997))
        elif occupation in (Occupation.CLEANER, Occupation.HOUSEKEEPING):
            birth_year = int(rng.triangular(1960, 1992, 1970))
        else:
            birth_year = int(rng.triangular(1960, 2004, 1984))
        birth_year = min(birth_year, 2003)
        days = 366 if calendar.isleap(birth_year) else 365
        birth = datetime.date(birth_year, 1, 1) + datetime.timedelta(days=int(chance() * days))
        name = self._name(rng, birth_year)
        given = name[2:] if name.startswith("欧阳") else name[1:]
        mobile = self._mobile(rng)
        if chance() < self.ID_SHARE:
            region = REGION_TABLE.pick(rng)
            id_number = self._id_number(rng, region, birth)
            birth_date: datetime.date | None = birth
            ethnicity = "汉族"
            roll = chance()
            for minority, share in REGION_ETHNICITIES[region]:
                if roll < share:
                    ethnicity = minority
                    break
                roll -= share
        else:
            id_number = ""
            birth_date = birth if chance() < 0.8 else None
            ethnicity = "汉族" if chance() < 0.97 else MINORITIES[int(chance() * 4)]

        if birth_year >= 1993:
            political = _POLITICAL_YOUNG.pick(rng)
            education = _EDUCATION_YOUNG.pick(rng)
        elif birth_year >= 1975:
            political = _POLITICAL_ADULT.pick(rng)
            education = _EDUCATION_MIDDLE.pick(rng)
        else:
            political = _POLITICAL_ADULT.pick(rng)
            education = _EDUCATION_OLDER.pick(rng)

        # Her history: joined, maybe moved to another market, maybe left.
        roll = chance()
        leaves = roll < self.LEAVER_SHARE
        moves = (
            not leaves
            and market is not None
            and sector is None
            and roll < self.LEAVER_SHARE + self.MOVER_SHARE
        )
        established = max(
            market.established_on if market else FOUNDED_ON,
            sector.established_on if sector else FOUNDED_ON,
        )
        earliest = max(FOUNDED_ON, established, datetime.date(birth_year + 17, 1, 1))
        latest = until - datetime.timedelta(days=90) if (leaves or moves) else until

        # The first market federation's founding officers joined on its founding day.
        first_term_office: str | None = None
        if (
            market
            and not sector
            and self._slots_left(market.federation, 1)
            and earliest == established
            and chance() < 0.5
        ):
            first_term_office = self._take_slot(market.federation, 1)
        cluster_term1 = self.district.terms[(CLUSTER_NAME, 1)]
        cluster_first_office: str | None = None
        if (
            first_term_office is None
            and earliest == cluster_term1.starts_on
            and self._slots_left(CLUSTER_NAME, 1)
            and chance() < 0.04
        ):
            cluster_first_office = self._take_slot(CLUSTER_NAME, 1)
        if first_term_office or cluster_first_office:
            joined_on = earliest
        elif chance() < 0.3:
            # Many joined in the first half-year of their federation.
            window_end = min(earliest + datetime.timedelta(days=180), latest)
            joined_on = _day_between(rng, earliest, max(earliest, window_end))
        else:
            joined_on = _day_between(rng, earliest, max(earliest, latest))

        final_market = market
        member = PlannedMember(
            index=index,
            name=name,
            mobile=mobile,
            id_number=id_number,
            birth_date=birth_date,
            ethnicity=ethnicity,
            political_status=political,
            education=education,
            occupation=occupation,
            joined_on=joined_on,
        )
        memberships = member.memberships
        first_market_membership: PlannedMembership | None = None
        market_since = joined_on  # when she joined her current market
        moved_on: datetime.date | None = None
        if market:
            first_market_membership = PlannedMembership(market.federation, joined_on)
            memberships.append(first_market_membership)
        if sector:
            memberships.append(PlannedMembership(sector.name, joined_on))
        if moves and first_market_membership is not None:
            while (final_market := self.market_table.pick(rng)) is market:
                pass
            first_possible = max(
                joined_on + datetime.timedelta(days=30), final_market.established_on
            )
            moved_on = _day_between(rng, first_possible, max(first_possible, until))
            first_market_membership.ends_on = moved_on
            first_market_membership.end_reason = f"调至{final_market.name}"
            memberships.append(PlannedMembership(final_market.federation, moved_on))
            market_since = moved_on
        left_on: datetime.date | None = None
        if leaves:
            first_possible = joined_on + datetime.timedelta(days=30)
            left_on = _day_between(rng, first_possible, max(first_possible, until))
            member.left_on = left_on
            member.left_reason = LEAVING_REASONS[int(chance() * len(LEAVING_REASONS))]

        # A women's home or micro-home: in her market if it has one, else one of the cluster's.
        homes = self.homes_by_market.get(final_market.name if final_market else None)
        roll = chance()
        home: HomePlan | None = None
        if homes and roll < 0.28:
            home = homes[int(chance() * len(homes))]
        elif roll > 0.92:
            cluster_homes = self.homes_by_market[None]
            home = cluster_homes[int(chance() * len(cluster_homes))]
        if home:
            starts = max(market_since, home.established_on)
            starts += datetime.timedelta(days=int(chance() * 200))
            if starts <= (left_on or until) - datetime.timedelta(days=1):
                memberships.append(PlannedMembership(home.name, starts))

        if left_on:
            for membership in memberships:
                if membership.ends_on is None:
                    membership.ends_on = left_on
                    membership.end_reason = member.left_reason

        if final_market:
            member.shop = self._shop(rng, final_market, occupation, given)

        # Offices.
        if first_term_office and market:
            term = self.district.terms[(market.federation, 1)]
            # Her office ends with the term, or earlier if she moved away or left.
            ends = min(d for d in (term.ends_on, moved_on, left_on) if d)
            member.offices.append(
                PlannedOffice(market.federation, 1, first_term_office, term.starts_on, ends)
            )
        if cluster_first_office:
            ends = min(d for d in (cluster_term1.ends_on, left_on) if d)
            member.offices.append(
                PlannedOffice(CLUSTER_NAME, 1, cluster_first_office, joined_on, ends)
            )
        if not left_on and final_market and not sector:
            term = self.district.terms[(final_market.federation, 2)]
            if (
                market_since <= term.starts_on
                and self._slots_left(final_market.federation, 2)
                and chance() < 0.6
                and (position := self._take_slot(final_market.federation, 2))
            ):
                member.offices.append(
                    PlannedOffice(final_market.federation, 2, position, term.starts_on, None)
                )
        if not left_on and not member.offices:
            term = self.district.terms[(CLUSTER_NAME, 2)]
            if (
                joined_on <= term.starts_on
                and self._slots_left(CLUSTER_NAME, 2)
                and chance() < 0.03
                and (position := self._take_slot(CLUSTER_NAME, 2))
            ):
                member.offices.append(
                    PlannedOffice(CLUSTER_NAME, 2, position, term.starts_on, None)
                )

        # Honors, then tags.
        last_year = (left_on or until).year
        owner = occupation == Occupation.SHOP_OWNER
        if last_year >= 2020 and chance() < (0.05 if owner else 0.012):
            kind = (_HONORS_OWNER if owner else _HONORS_OTHER).pick(rng)
            first_year = max(2020, joined_on.year)
            year = min(first_year + int(chance() * (last_year - first_year + 1)), last_year)
            if final_market and chance() < 0.7:
                awarded_by = final_market.federation
            else:
                awarded_by = CLUSTER_NAME
            member.honors.append((kind, year, awarded_by))
        tags = member.tags
        if any(kind == HonorKind.RED_MERCHANT for kind, _, _ in member.honors):
            tags.append(TAG_RED_MERCHANT)
        if occupation == Occupation.SHOP_OWNER and 1990 <= birth_year <= 1999 and chance() < 0.5:
            tags.append(TAG_POST90)
        if occupation == Occupation.STREAMER:
            if chance() < 0.8:
                tags.append(TAG_STREAMER)
            if chance() < 0.25:
                tags.append(TAG_MOTHER)
            if chance() < 0.15:
                tags.append(TAG_FARM_LIVE)
        elif chance() < 0.04:
            tags.append(TAG_MOTHER)
        if chance() < 0.07:
            tags.append(TAG_VOLUNTEER)
        if occupation == Occupation.SHOP_OWNER and chance() < 0.05:
            tags.append(TAG_RETURNEE)
        if sector and chance() < 0.5:
            tags.append(TAG_ALLIANCE)
        return member


_POLITICAL_YOUNG = WeightedTable(
    [
        (PoliticalStatus.MASSES, 70),
        (PoliticalStatus.LEAGUE_MEMBER, 23),
        (PoliticalStatus.CPC_MEMBER, 5),
        (PoliticalStatus.CPC_PROBATIONARY, 2),
    ]
)
_POLITICAL_ADULT = WeightedTable(
    [
        (PoliticalStatus.MASSES, 87),
        (PoliticalStatus.CPC_MEMBER, 11),
        (PoliticalStatus.CPC_PROBATIONARY, 1),
        (PoliticalStatus.DEMOCRATIC_PARTY, 0.5),
    ]
)
_EDUCATION_YOUNG = WeightedTable(
    [
        (Education.JUNIOR_SECONDARY, 18),
        (Education.SENIOR_SECONDARY, 35),
        (Education.COLLEGE, 28),
        (Education.BACHELOR, 16),
        (Education.POSTGRADUATE, 1),
        ("", 2),
    ]
)
_EDUCATION_MIDDLE = WeightedTable(
    [
        (Education.PRIMARY, 4),
        (Education.JUNIOR_SECONDARY, 40),
        (Education.SENIOR_SECONDARY, 34),
        (Education.COLLEGE, 13),
        (Education.BACHELOR, 7),
        ("", 2),
    ]
)
_EDUCATION_OLDER = WeightedTable(
    [
        (Education.PRIMARY, 20),
        (Education.JUNIOR_SECONDARY, 53),
        (Education.SENIOR_SECONDARY, 20),
        (Education.COLLEGE, 4),
        (Education.BACHELOR, 1),
        ("", 2),
    ]
)
_HONORS_OWNER = WeightedTable(
    [
        (HonorKind.RED_MERCHANT, 45),
        (HonorKind.BEST_COUPLE_SHOP, 15),
        (HonorKind.TRUSTED_SHOP, 25),
        (HonorKind.WOMEN_PIONEER, 15),
    ]
)
_HONORS_OTHER = WeightedTable([(HonorKind.WOMEN_PIONEER, 1)])
