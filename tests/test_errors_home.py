"""Every exception class of ``pretrained`` is defined in ``pretrained.errors`` (issue 18)."""

import importlib
import inspect
import pkgutil

import pretrained
import pretrained.errors


def _modules():
    for info in pkgutil.walk_packages(pretrained.__path__, "pretrained."):
        if info.name.endswith("__main__") or info.name == "pretrained.errors":
            continue
        try:
            yield importlib.import_module(info.name)
        except ImportError:  # a module needing an optional extra that is not installed
            continue


def test_every_exception_is_defined_in_errors():
    outside = []
    for module in _modules():
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == module.__name__
                and not name.startswith("_")
            ):
                outside.append(f"{module.__name__}.{name}")
    assert outside == [], f"exceptions defined outside pretrained/errors.py: {outside}"


def test_moved_exceptions_keep_their_old_import_paths_and_bases():
    from pretrained.index.sidecar import IndexMismatchError
    from pretrained.interop.matrix import VocabularyError
    from pretrained.interop.saving import DataFolderError, InvalidNameError, NameTakenError, UnrecordableError

    assert IndexMismatchError is pretrained.errors.IndexMismatchError
    assert issubclass(IndexMismatchError, pretrained.errors.CacheError)
    assert issubclass(InvalidNameError, ValueError) and issubclass(NameTakenError, FileExistsError)
    assert issubclass(UnrecordableError, ValueError) and issubclass(DataFolderError, OSError)
    assert issubclass(VocabularyError, pretrained.errors.PretrainedError)


def test_errors_all_lists_every_exception():
    defined = {n for n, o in vars(pretrained.errors).items() if inspect.isclass(o) and issubclass(o, BaseException)}
    assert defined - {"Optional", "Sequence"} <= set(pretrained.errors.__all__)


def test_the_cli_usage_error_is_one_of_ours_and_keeps_its_exit_status(capsys):
    """``UsageError`` sits in the one family (an argument that cannot be used), and the command
    line still answers it as argparse answers a usage error: the usage line, the message, status 2."""
    from pretrained.cli import main
    from pretrained.errors import ArgumentError, PretrainedError, UsageError

    assert issubclass(UsageError, ArgumentError) and issubclass(UsageError, PretrainedError)
    assert issubclass(UsageError, ValueError)
    assert main(["cache", "list", "NAME"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: pretrained cache") and err.rstrip().endswith("error: cache list takes no NAME")
