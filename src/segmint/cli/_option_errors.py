"""The error for an option a command does not take: every option it does take.

Click's ``NoSuchOption`` (Typer's own copy of Click, ``typer._click``, which Typer raises and
exports under no public name) lists only the options whose names are close to the unknown one
(``difflib``), so ``segmint token create --format json`` was told "Possible options:
--mart", as if ``--mart`` were all there was, and a name close to none (``--bogus``) got no
list at all. :func:`every_option` rewrites the error to name all of the command's options,
then the close ones, if any, as a guess.
"""

from __future__ import annotations

from typer._click.exceptions import NoSuchOption


def every_option(error: NoSuchOption) -> NoSuchOption:
    """``error`` saying which options its command takes (and the close ones as a guess)."""
    ctx = error.ctx
    if ctx is None:
        return error
    names = [
        name
        for param in ctx.command.get_params(ctx)
        if param.param_type_name == "option" and not getattr(param, "hidden", False)
        for name in (*param.opts, *param.secondary_opts)
        if name.startswith("--")
    ]
    message = f"No such option: {error.option_name}. `{ctx.command_path}` takes {', '.join(names)}."
    if error.possibilities:
        message += f" Did you mean {' or '.join(error.possibilities)}?"
    return NoSuchOption(error.option_name, message, ctx=ctx)
