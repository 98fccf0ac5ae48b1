"""A model's own fields by name (juki.core.fields): reverse relations are not fields, so code that
reads a column, width or label gets FieldDoesNotExist for them, as for an unknown name."""

from __future__ import annotations

import pytest
from django.core.exceptions import FieldDoesNotExist

from juki.audit.models import ReviewMark
from juki.core.fields import max_length, model_field
from juki.register.models import ResidentRecord
from juki.security.models import Terminal


def test_a_declared_field_is_returned():
    assert model_field(ResidentRecord, "banchi").name == "banchi"
    assert max_length(ReviewMark, "comment") == ReviewMark._meta.get_field("comment").max_length


def test_a_reverse_relation_is_not_a_field():
    assert Terminal._meta.get_field("staff") is not None  # Django answers the reverse side
    with pytest.raises(FieldDoesNotExist):
        model_field(Terminal, "staff")


def test_an_unknown_name_is_not_a_field():
    with pytest.raises(FieldDoesNotExist):
        model_field(ResidentRecord, "no_such_item")


def test_a_field_without_width_has_no_max_length():
    with pytest.raises(FieldDoesNotExist):
        max_length(ResidentRecord, "valid_from")
