"""What a notice's text becomes for one recipient, and the provider's rules it must pass.

Pure functions: the compose page, the services and the tests call them alike.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# The variables a sender may use, and the names the provider's template parameters carry
# (Alibaba's ${name} variables are ASCII).
VARIABLES = {"姓名": "name", "市场": "market", "时间": "time"}
_VARIABLE = re.compile(r"\{(" + "|".join(VARIABLES) + r")\}")
_UNKNOWN_VARIABLE = re.compile(r"\{([^{}]{1,10})\}")

SEGMENT = 70  # characters in a single SMS (signature included)
SEGMENT_SPLIT = 67  # characters per part of a long SMS
OPT_OUT_LINE = "拒收请回复R"
# E-mail has no reply keyword: she tells her market's federation, which records it.
EMAIL_OPT_OUT_LINE = "如不愿再收到此类邮件，请告知您所在市场的妇联，我们将为您退订。"
# Words the providers refuse in templates (Alibaba's rules for notice templates).
FORBIDDEN_WORDS = ("招聘", "兼职", "募捐", "捐款", "筹款", "贷款", "中奖", "红包", "返利")
DAILY_CAP = 50  # Alibaba: per number, per signature and template, per day


def render(text: str, *, name: str, market: str, time: str) -> str:
    values = {"姓名": name, "市场": market, "时间": time}
    return _VARIABLE.sub(lambda m: values[m.group(1)], text)


def template_params(*, name: str, market: str, time: str) -> dict[str, str]:
    return {"name": name, "market": market, "time": time}


def sms_text(body: str, *, signature: str, promotional: bool, **values: str) -> str:
    text = f"【{signature}】" + render(body, **values)
    if promotional and OPT_OUT_LINE not in text:
        text += OPT_OUT_LINE
    return text


def email_text(body: str, *, promotional: bool, **values: str) -> str:
    text = render(body, **values)
    if promotional and EMAIL_OPT_OUT_LINE not in text:
        text += "\n\n" + EMAIL_OPT_OUT_LINE
    return text


def segments(text: str) -> int:
    length = len(text)
    if length <= SEGMENT:
        return 1
    return -(-length // SEGMENT_SPLIT)


@dataclass
class RuleCheck:
    problems: list[str] = field(default_factory=list)
    length: int = 0
    segments: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_sms(*, template, sample: str) -> RuleCheck:
    """The provider's rules for an SMS notice, said in words the sender understands."""
    check = RuleCheck(length=len(sample), segments=segments(sample))
    if not template.signature.approved:
        check.problems.append(
            _("The signature “%s” is not approved by the provider.") % template.signature.name
        )
    if not template.approved:
        check.problems.append(
            _("The template “%s” is not approved by the provider.") % template.name
        )
    for word in FORBIDDEN_WORDS:
        if word in template.body:
            check.problems.append(
                _(
                    "The provider refuses templates containing “%s” (recruitment, fundraising, "
                    "loans, prizes)."
                )
                % word
            )
    for unknown in sorted(
        {m.group(1) for m in _UNKNOWN_VARIABLE.finditer(template.body)} - set(VARIABLES)
    ):
        check.problems.append(_("Unknown variable {%s}.") % unknown)
    return check


def unknown_variables(text: str) -> list[str]:
    return sorted({m.group(1) for m in _UNKNOWN_VARIABLE.finditer(text)} - set(VARIABLES))
