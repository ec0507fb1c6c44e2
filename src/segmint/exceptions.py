"""The errors segmint raises on purpose.

Every error a user can cause derives from :class:`SegmintError`. Services (CLI, API)
catch that one class and show its message without a traceback, so each message says
what was expected, what arrived and how to fix it.
"""

from __future__ import annotations

import string
from collections.abc import Callable


class SegmintError(Exception):
    """Base class of all errors a user can cause and correct."""


class InputError(SegmintError):
    """A file cannot be read: missing, empty, binary, wrongly encoded or malformed."""


class AdvisedInputError(InputError):
    """Input refused with advice that names settings the way its reader sets them.

    The message is :attr:`finding` followed by :attr:`advice`, in which ``{holdout_share}``
    (any setting, by its Python name) stands for the setting: the message names it as a
    Python caller passes it (``holdout_share``), and a command names its option instead with
    :meth:`naming` (``--holdout-share``, :func:`segmint.cli._output.user_errors`), as
    :class:`AdvisedWarning` does for a fit's iteration limit. Only the advice is a
    template: the finding, which may quote what was given, is shown as it is.

    Attributes:
        finding: what is wrong, in words that name no setting.
        advice: what to do, each setting as ``{its_python_name}``.
    """

    def __init__(self, finding: str, advice: str) -> None:
        self.finding = finding
        self.advice = advice
        super().__init__(self.naming(str))

    def settings(self) -> tuple[str, ...]:
        """The settings the advice names, by their Python names, in order."""
        fields = (field for _, field, _, _ in string.Formatter().parse(self.advice) if field)
        return tuple(dict.fromkeys(fields))

    def naming(self, spell: Callable[[str], str]) -> str:
        """The message with each setting of the advice called ``spell(python_name)``."""
        named = {setting: spell(setting) for setting in self.settings()}
        return f"{self.finding} {self.advice.format_map(named)}"


class SchemaError(SegmintError):
    """Data does not have the columns or types a mart table needs."""


class MartError(SegmintError):
    """The mart is missing, not initialised or in an unexpected state."""


class EmptyMartError(MartError):
    """The mart does not hold yet what was asked for (orders, a stored segmentation): a new
    mart, not a mistake. The message names the command that loads or stores it; the pages
    show it as their notice rather than as an error."""


class NotFittedError(SegmintError, ValueError):
    """A model was asked to predict before ``fit`` was called."""


class ConvergenceError(SegmintError):
    """An optimiser did not converge, or the data cannot identify the model."""


class ModelInputError(SegmintError, ValueError):
    """Arrays given to a model are malformed: wrong shapes, negative, non-finite or inconsistent."""


class SegmintWarning(UserWarning):
    """Something a user should know that does not stop the work: services show its
    message as one line (the CLI on stderr, ``warning: …``)."""


class AdvisedWarning(UserWarning):
    """A warning whose advice names a setting the way its reader sets it.

    The message is :attr:`finding` followed by :attr:`advice`, ``{limit}`` in it standing
    for the setting as a Python caller names it; a command that names it otherwise (its
    ``--max-iter``) gets its own wording from :meth:`naming`, and one without such an
    option shows the finding alone (:mod:`segmint.cli._warnings`). It is defined here,
    apart from the models that raise it, so that showing warnings imports no model.

    Attributes:
        finding: what happened, without advice.
        advice: what to do, ``{limit}`` standing for the setting's name.
    """

    def __init__(self, finding: str, advice: str, python_name: str) -> None:
        self.finding = finding
        self.advice = advice
        super().__init__(self.naming(python_name))

    def naming(self, limit: str) -> str:
        """The message with the setting called ``limit``."""
        return f"{self.finding} {self.advice.format(limit=limit)}"
