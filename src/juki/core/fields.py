"""A model's own fields, looked up by name.

``Model._meta.get_field`` also answers reverse relations and generic foreign keys, which have no
column, width or verbose name. Code that reads those (labels, column widths, the compiled UPDATE)
asks for a concrete :class:`~django.db.models.Field` and gets ``FieldDoesNotExist`` for anything
else, as for a name the model does not have.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, Model


def model_field(model: type[Model], name: str) -> Field[Any, Any]:
    """The field ``name`` declared on ``model`` itself (not a relation pointing at it)."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise FieldDoesNotExist(f"{model.__name__}.{name} is a relation, not a field")
    return field


def max_length(model: type[Model], name: str) -> int:
    """The declared width (``max_length``) of the text field ``name`` of ``model``."""
    width = model_field(model, name).max_length
    if width is None:
        raise FieldDoesNotExist(f"{model.__name__}.{name} has no max_length")
    return width
