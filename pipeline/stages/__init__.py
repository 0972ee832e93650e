"""One module per stage; importing this package registers them all."""
from importlib import import_module

STAGE_MODULES = ("segment", "entities", "figures", "claims", "topics", "sentiment", "dyads", "summary")


def load_all() -> None:
    for name in STAGE_MODULES:
        try:
            import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
