"""Chat-ops: the commands people write in comments, run once each, authorized, answered.

`Chatops(deps, handlers).handle(forge, comment_event)` runs a comment's commands;
`ChatopsDeps` carries what handlers may use; `HANDLERS` is the explicit handler list.
"""

from bot.service.chatops.deps import ChatopsDeps, PermissionCache, SetReference, Submit
from bot.service.chatops.handlers import HANDLERS, CommandContext, Handler
from bot.service.chatops.runner import Chatops, Ran

__all__ = [
    "HANDLERS",
    "Chatops",
    "ChatopsDeps",
    "CommandContext",
    "Handler",
    "PermissionCache",
    "Ran",
    "SetReference",
    "Submit",
]
