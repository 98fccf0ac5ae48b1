"""Change handlers, one module per family of kinds. Importing this package registers them all."""

from . import ex_officio  # noqa: F401, I001  (one line per kind module)
from . import moves_within  # noqa: F401
from . import moves_in  # noqa: F401
from . import moves_out  # noqa: F401
from . import family_register  # noqa: F401
from . import foreign  # noqa: F401
from . import numbers  # noqa: F401
from . import households  # noqa: F401
