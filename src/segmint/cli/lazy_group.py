"""A command group that imports a command's module only when that command is used.

``segmint --help`` and ``segmint --version`` must start at once, yet most commands
import the engine, the models or the web stack. So the top-level group knows each
command by a row of a table (:class:`LazyCommand`: the module that registers it and
its one-line help) and imports the module when the command is invoked or its own
``--help`` is asked for. This is Click's documented pattern for lazily loaded
subcommands (override ``list_commands`` and ``get_command``), with the group's own
help drawn from the table so that listing commands imports none of them.

Command modules stay as they are: each keeps its ``register(app)`` function, which
is called on a private Typer app the first time one of its commands is needed.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

import typer
import typer.main
from typer._click.exceptions import NoSuchOption  # Typer's Click: no public name
from typer.core import TyperGroup

PACKAGE = "segmint.cli"


@dataclass(frozen=True)
class LazyCommand:
    """Where a top-level command lives and what ``segmint --help`` says about it.

    ``module`` is a module of :mod:`segmint.cli` whose ``register(app)`` adds the
    command; ``help`` is the first paragraph of the command's help, as one line
    (tests check it matches the command's own help).
    """

    module: str
    help: str


@cache
def module_group(module: str) -> TyperGroup:
    """The commands ``segmint.cli.<module>`` registers, as a Click group (imported once)."""
    from segmint.cli.help_text import unwrap_commands  # with the first command only

    registering = importlib.import_module(f"{PACKAGE}.{module}")
    app = typer.Typer()
    registering.register(app)
    group = typer.main.get_group(app)
    unwrap_commands(group)
    return group


class LazyCommands(Mapping[str, Any]):
    """Command name → Click command, importing a command's module on first lookup.

    Iterating gives the names in table order without importing anything.
    """

    def __init__(self, table: Mapping[str, LazyCommand]) -> None:
        self._table = table

    def __getitem__(self, name: str) -> Any:
        entry = self._table[name]
        command = module_group(entry.module).commands.get(name)
        if command is None:
            raise LookupError(f"{PACKAGE}.{entry.module} registers no command {name!r}")
        return command

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


class LazyGroup(TyperGroup):
    """A Typer group whose commands come from :attr:`table` and load when first used.

    Subclass it with a ``table`` and pass the subclass as ``typer.Typer(cls=...)``.
    Its own help lists the table's one-line help, so it imports no command module.
    """

    table: ClassVar[Mapping[str, LazyCommand]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(self.table)  # type: ignore[assignment]

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.table)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """The group's own options, an unknown one refused naming every one it takes."""
        try:
            parsed: list[str] = super().parse_args(ctx, args)
        except NoSuchOption as error:
            from segmint.cli._option_errors import every_option  # on this error only

            raise every_option(error) from None
        return parsed

    def invoke(self, ctx: Any) -> Any:
        """Run the command; an option it does not take is refused naming every one it does
        (:func:`segmint.cli._option_errors.every_option`), whichever group it is in."""
        try:
            return super().invoke(ctx)
        except NoSuchOption as error:
            from segmint.cli._option_errors import every_option  # on this error only

            raise every_option(error) from None

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Usage, help, options and the commands' one-line help, in Typer's panels.

        Drawn with a few Rich parts rather than Typer's help renderer, which imports
        Markdown and traceback support (about half of a bare ``segmint --help``).
        """
        from rich.console import Console
        from rich.markup import escape
        from rich.panel import Panel
        from rich.table import Table

        console = Console()
        console.print(f"\n [bold]{self.get_usage(ctx)}[/]\n\n {self.help}\n", highlight=False)
        panels = (
            (
                "Options",
                [(", ".join(p.opts), getattr(p, "help", None) or "") for p in self.get_params(ctx)],
            ),
            ("Commands", [(name, entry.help) for name, entry in self.table.items()]),
        )
        for title, rows in panels:
            grid = Table.grid(padding=(0, 2))
            for name, text in rows:
                grid.add_row(f"[bold cyan]{name}[/]", escape(text))
            console.print(Panel(grid, title=title, title_align="left", border_style="dim"))
