from django.db import models

from members import crypto


class EncryptedCharField(models.TextField):
    """A short text kept encrypted in the database and plain in Python.

    Only exact lookups through the digest fields beside it make sense; filtering on this
    column compares ciphertexts, which differ on every save.
    """

    def __init__(self, *args, plain_max_length: int = 100, **kwargs):
        self.plain_max_length = plain_max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        # A one-line input of the plain length, not the textarea of a TextField.
        return models.CharField(max_length=self.plain_max_length).formfield(
            **{"label": self.verbose_name, "required": not self.blank, **kwargs}
        )

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def value_to_string(self, obj):
        # Dumps (dumpdata) carry the ciphertext, not the number.
        return crypto.encrypt(self.value_from_object(obj) or "")


class DigestField(models.CharField):
    """A keyed hash of another field, recomputed on every save and bulk insert."""

    def __init__(self, *args, source: str = "", digest: str = "full", **kwargs):
        self.source = source
        self.digest = digest
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["digest"] = self.digest
        for key, default in (
            ("max_length", 64),
            ("editable", False),
            ("blank", True),
            ("default", ""),
        ):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        plain = getattr(model_instance, self.source) or ""
        function = crypto.full_digest if self.digest == "full" else crypto.tail_digest
        value = function(plain)
        setattr(model_instance, self.attname, value)
        return value
