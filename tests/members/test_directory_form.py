"""The directory's form shares its fields' choice lists between the forms built from it
(members.forms._SharedChoices): what one request's form is given stays its own."""

from members.forms import DirectoryForm


def test_forms_built_for_different_logins_keep_their_own_choices():
    district = DirectoryForm(
        {}, organizations=[(1, "芦淞区妇联"), (4, "邵兴城")], tags=[(7, "主播")]
    )
    chair = DirectoryForm({"organization": "1"}, organizations=[(4, "邵兴城")], tags=[])
    assert [value for value, _ in district.fields["organization"].choices] == ["", 1, 4]
    assert [value for value, _ in chair.fields["organization"].choices] == ["", 4]
    assert [value for value, _ in district.fields["tag"].choices] == ["", 7]
    assert not chair.is_valid() and "organization" in chair.errors  # not offered to her
    assert DirectoryForm.base_fields["organization"].choices == []
    occupations = DirectoryForm.base_fields["occupation"].choices
    assert district.fields["occupation"].choices == occupations
    assert district.fields["occupation"].widget.choices == occupations
