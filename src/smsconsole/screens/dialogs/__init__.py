"""Modal dialogs shared by every page (house style: modals live in ``screens/dialogs``).

Every dialog is a ``Dialog`` (``base.py``): the frame, the console's footer and the
busy/submit/cancel lifecycle; its look is ``base.tcss`` plus ``<module>.tcss`` beside it.

* ``FormDialog(title_key, fields, submit)`` — a form; errors next to their field.
* ``ConfirmDialog(message)`` — ``ModalScreen[bool]``; the message names what goes.
* ``DetailDialog(title_key, pairs, actions=...)`` — label/value pairs and action keys.
* ``ProgressDialog(title_key, work)`` — long work in a thread, with progress and cancel.
* ``KeysDialog(sections)`` — the ``?`` help.
"""

from smsconsole.screens.dialogs.confirm import ConfirmDialog
from smsconsole.screens.dialogs.detail import DetailDialog
from smsconsole.screens.dialogs.form import FormDialog
from smsconsole.screens.dialogs.help_keys import KeysDialog
from smsconsole.screens.dialogs.progress import Progress, ProgressDialog
from smsconsole.widgets.form_view import Field, Section

__all__ = ["ConfirmDialog", "DetailDialog", "FormDialog", "KeysDialog", "ProgressDialog",
           "Progress", "Field", "Section"]
