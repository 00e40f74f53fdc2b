"""A bot process of its own for the crash tests: one act pass on a world served by the test
process, optionally SIGKILLing itself at a named step (the step hook is the only way in; the
production code reads no setting for it).

    python -m tests.service.act_process CONFIG.json NOW [--kill-at STEP] [--package P]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

from bot.app import build_forge
from bot.commands.opened import sandbox_settings
from bot.service.act import act_once
from bot.service.executor import StepHook, no_step
from bot.settings import load_settings
from bot.store import Store, open_engine, session_factory
from tests.service.acting import acting_settings
from tests.service.served import ROOT


def killer(at: str) -> StepHook:
    def hook(step: str) -> None:
        if step == at:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("config", type=Path)
    parser.add_argument("now", type=datetime.fromisoformat)
    parser.add_argument("--kill-at")
    parser.add_argument("--package")
    args = parser.parse_args(argv)
    config = json.loads(args.config.read_text())
    settings = acting_settings(
        sandbox_settings(load_settings(ROOT / "config/sandbox.toml", environ={}), config["urls"])
    )
    engine = open_engine(f"sqlite:///{config['database']}")
    forges = {f.name: build_forge(f, token=config["tokens"][str(f.type)])
              for f in settings.forges}
    try:
        await act_once(
            settings=settings, store=Store(session_factory(engine)), forges=forges,
            now=args.now, work_root=Path(config["work_root"]),
            packages=[args.package] if args.package else None,
            step=killer(args.kill_at) if args.kill_at else no_step,
        )
    finally:
        for forge in forges.values():
            await forge.close()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
