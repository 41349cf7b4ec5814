"""``FirstFrame``: the App tells the screen on the terminal that its first frame is out.

What waits for the first paint (the database thread, the pages' styles, the wizard's
later steps) must not delay it. Start-up runs in one of Textual's batches (nothing is
drawn until it ends) and ``call_after_refresh`` from inside it runs before any frame;
the App therefore asks for the refresh from ``on_ready`` (after the batch) and posts
this message to the current screen then.
"""

from __future__ import annotations

from textual.message import Message


class FirstFrame(Message, bubble=False):
    """Posted by the App to the current screen once its first frame has been drawn."""
