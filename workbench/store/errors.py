"""The store's one error type: a request the project cannot honour."""
from workbench.errors import UserError


class StoreError(UserError):
    """Unknown label, bad status, a file that is not a project or is from a newer app, ..."""
