from django.contrib import admin

from notifications.models import Consent, OptOut, SmsSignature, SmsTemplate, WeComBot


@admin.register(SmsSignature)
class SmsSignatureAdmin(admin.ModelAdmin):
    list_display = ("name", "approved")


@admin.register(SmsTemplate)
class SmsTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "signature", "approved", "promotional")


@admin.register(WeComBot)
class WeComBotAdmin(admin.ModelAdmin):
    list_display = ("name", "organization")


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("member", "channel", "given_at", "method")
    raw_id_fields = ("member",)


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("member", "channel", "at", "source")
    raw_id_fields = ("member",)
