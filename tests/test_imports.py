"""Import paths of helpscout 0.1.3, one registry of record classes, and the check for a mixed
or half-removed install (built for real: a copied package, and pip over hand-made wheels)."""

import ast
import base64
import hashlib
import importlib
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile
from typing import Dict, List, Tuple

import pytest

import helpscout
from helpscout import _core, models
from helpscout._install_check import FIX, MIXED_FIX
from helpscout.events import EVENT_CHOICES, EVENTS

PACKAGE = pathlib.Path(helpscout.__file__).resolve().parent
STUB = PACKAGE / "_core.pyi"

ORIGINAL_MODEL_MODULES: Dict[str, List[str]] = {
    "address": ["Address", "BaseModel"],
    "attachment": ["Attachment", "AttachmentData"],
    "attachment_data": ["AttachmentData", "BaseModel"],
    "base_conversation": ["BaseConversation", "BaseModel"],
    "chat": ["BaseModel", "Chat"],
    "conversation": [
        "BaseConversation",
        "Conversation",
        "MailboxRef",
        "Person",
        "Source",
        "Thread",
    ],
    "custom_field": ["BaseModel", "CustomField", "Option"],
    "customer": [
        *("Address", "Chat", "Customer", "Email", "Phone"),
        *("SearchCustomer", "SocialProfile", "Website"),
    ],
    "email": ["BaseModel", "Email"],
    "field": ["BaseModel", "Field"],
    "folder": ["BaseModel", "Folder"],
    "mailbox": ["Folder", "Mailbox", "MailboxRef"],
    "mailbox_ref": ["BaseModel", "MailboxRef"],
    "option": ["BaseModel", "Option"],
    "person": ["BaseModel", "Person"],
    "phone": ["BaseModel", "Phone"],
    "rating": ["BaseModel", "Customer", "MailboxRef", "Rating"],
    "search_conversation": ["BaseConversation", "SearchConversation"],
    "search_customer": ["Person", "SearchCustomer"],
    "social_profile": ["BaseModel", "SocialProfile"],
    "source": ["BaseModel", "Source"],
    "tag": ["BaseModel", "Tag"],
    "thread": ["Attachment", "BaseModel", "MailboxRef", "Person", "Source", "Thread"],
    "user": ["Person", "User"],
    "web_hook": ["BaseModel", "WebHook"],
    "web_hook_event": ["BaseModel", "EVENT_CHOICES", "WebHookEvent"],
    "website": ["BaseModel", "Website"],
    "workflow": ["BaseModel", "Workflow"],
}
"""Every module of helpscout 0.1.3's ``helpscout/models/`` and the public names it held (its
classes and the ones it imported; the ``properties`` descriptor ``event_type`` is left out)."""

ORIGINAL_EVENT_CHOICES = {
    "convo.assigned": "Conversation was assigned.",
    "convo.created": "Conversation was created.",
    "convo.deleted": "Conversation was deleted.",
    "convo.merged": "Conversation was merged.",
    "convo.moved": "Conversation was moved.",
    "convo.status": "Conversation status was updated.",
    "convo.tags": "Conversation tags were updated.",
    "convo.customer.reply.created": "The customer replied to the conversation.",
    "convo.agent.reply.created": "An agent replied to the conversation.",
    "convo.note.created": "A note was added to the conversation.",
    "customer.created": "A customer was created.",
    "satisfaction.ratings": "A rating was received.",
}
"""helpscout 0.1.3's ``helpscout.models.web_hook_event.EVENT_CHOICES``, verbatim."""

ORIGINAL_FILES = [
    "__init__.py",
    "apis/__init__.py",
    "apis/conversations.py",
    "apis/customers.py",
    "apis/mailboxes.py",
    "apis/tags.py",
    "apis/teams.py",
    "apis/users.py",
    "apis/web_hook.py",
    "auth_proxy.py",
    "base_api.py",
    "base_model.py",
    "domain/__init__.py",
    "exceptions.py",
    "models/__init__.py",
    *("models/%s.py" % name for name in ORIGINAL_MODEL_MODULES),
    "request_paginator/__init__.py",
    "tests/__init__.py",
    "tests/test_base_model.py",
    "web_hook/__init__.py",
]
"""The files helpscout 0.1.3 installs under ``helpscout/`` (its test modules shortened to
two): the paths its uninstall deletes."""


# --- import paths ------------------------------------------------------------------------


@pytest.mark.parametrize("module", sorted(ORIGINAL_MODEL_MODULES))
def test_every_original_model_module_imports_with_its_names(module):
    mod = importlib.import_module("helpscout.models." + module)
    for name in ORIGINAL_MODEL_MODULES[module]:
        expected = EVENT_CHOICES if name == "EVENT_CHOICES" else getattr(models, name)
        assert getattr(mod, name) is expected, (module, name)
    assert sorted(mod.__all__) == sorted(ORIGINAL_MODEL_MODULES[module])


def test_the_original_model_modules_are_exactly_these():
    shipped = {p.stem for p in (PACKAGE / "models").glob("*.py")} - {"__init__"}
    assert shipped == set(ORIGINAL_MODEL_MODULES)


def test_base_model_path_and_names():
    from helpscout.base_model import BaseModel

    assert BaseModel is helpscout.BaseModel is models.BaseModel is _core.Record
    assert issubclass(models.Customer, BaseModel)


def test_import_helpscout_loads_models_as_the_original_did():
    code = (
        "import helpscout, sys\n"
        "assert 'helpscout.models' in sys.modules and 'helpscout.base_model' in sys.modules\n"
        "print(helpscout.models.Customer.__name__, helpscout.base_model.BaseModel.__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["Customer", "Record"]


def test_helpscout_webhook_from_models_as_the_original_readme_spells_it():
    from helpscout.models import HelpScoutWebHook

    hook = HelpScoutWebHook(
        url="https://example.com/my/web/hook/",
        secret_key="SuperSecretRandomizedString",
        events=["customer.created"],
    )
    assert HelpScoutWebHook is helpscout.HelpScoutWebHook
    assert hook.events == ["customer.created"] and hook.url.endswith("/hook/")


def test_event_choices_has_the_original_shape_and_every_subscribable_event():
    from helpscout.models.web_hook_event import EVENT_CHOICES as choices

    assert choices is EVENT_CHOICES
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in choices.items())
    for name, description in ORIGINAL_EVENT_CHOICES.items():
        assert choices[name] == description
    assert set(choices) == {name for name, info in EVENTS.items() if info.subscribable}
    assert len(choices) == 27
    # the events only ever delivered are in the full catalogue, not in the choices
    assert {"helpscout.test", "convo.ai-answers.created"} <= set(EVENTS) - set(choices)


def test_odoo_exporter_subscribes_to_every_event_choice():
    """connector_helpscout's web hook exporter: ``{'events': EVENT_CHOICES.keys()}``."""
    from helpscout.models import WebHook
    from helpscout.models.web_hook_event import EVENT_CHOICES as choices

    hook = WebHook(url="https://odoo.example/helpscout/v1", secret_key="s" * 40)
    hook.events = list(choices.keys())
    assert all(EVENTS[name].subscribable for name in hook.events)
    assert "customer.created" in hook.events and "helpscout.test" not in hook.events


# --- one registry of record classes --------------------------------------------------------


def _stub_classes() -> Dict[str, List[str]]:
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    return {
        node.name: [ast.unparse(base) for base in node.bases]
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


def test_stub_declares_a_record_class_for_every_kind():
    classes = _stub_classes()

    def derives_from_record(name: str, depth: int = 0) -> bool:
        bases = classes.get(name, [])
        return depth < 10 and any(b == "Record" or derives_from_record(b, depth + 1) for b in bases)

    for kind in models.KINDS:
        assert kind in classes, f"_core.pyi has no class {kind}"
        assert kind == "Record" or derives_from_record(kind), kind
        assert issubclass(getattr(_core, kind), _core.Record), kind


def test_models_re_exports_every_kind():
    for kind in models.KINDS:
        assert getattr(models, kind) is getattr(_core, kind), kind
        assert kind in models.__all__, kind
    assert len(models.__all__) == len(set(models.__all__))


def test_kinds_are_every_record_class_of_the_core():
    found = {
        name
        for name in dir(_core)
        if isinstance(getattr(_core, name), type)
        and issubclass(getattr(_core, name), _core.Record)
        and name != "Record"
    }
    assert set(models.KINDS) - {"Record"} == found
    if hasattr(_core, "KINDS"):
        assert models.KINDS == tuple(_core.KINDS)


# --- a mixed or half-removed install -------------------------------------------------------


def _copy_ours(site: pathlib.Path) -> pathlib.Path:
    """This package as installed (the maturin development install: the source tree plus the
    built ``_core``) copied into a new site folder."""
    target = site / "helpscout"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    assert list(target.glob("_core*.so")) or list(target.glob("_core*.pyd"))
    return target


def _add_original_files(package: pathlib.Path, only_missing: bool = True) -> None:
    for name in ORIGINAL_FILES:
        path = package / name
        if only_missing and path.exists():
            continue  # ours overwrote it
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# a file of helpscout 0.1.3\n", encoding="utf-8")


def _import_in(site: pathlib.Path, code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(site))
    full = (
        "import warnings\nwarnings.simplefilter('always')\n"
        f"import helpscout\nassert helpscout.__file__.startswith({str(site)!r}), "
        "helpscout.__file__\n" + code
    )
    return subprocess.run(
        [sys.executable, "-c", full], env=env, capture_output=True, text=True, timeout=60
    )


def test_clean_copy_imports_without_warning(tmp_path):
    _copy_ours(tmp_path)
    out = _import_in(tmp_path, "from helpscout import HelpScoutWebHook\nprint('ok')")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok" and "Warning" not in out.stderr


def test_files_of_the_original_beside_ours_warn_with_the_fix(tmp_path):
    _add_original_files(_copy_ours(tmp_path))
    out = _import_in(
        tmp_path, "from helpscout.models.customer import Customer\nprint(Customer.__name__)"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Customer"  # everything still works ...
    assert "HelpScoutMixedInstallWarning" in out.stderr  # ... with the risk and the fix said
    assert MIXED_FIX in out.stderr and str(tmp_path) in out.stderr
    assert out.stderr.count("HelpScoutMixedInstallWarning") == 1


def test_missing_core_raises_import_error_with_the_fix(tmp_path):
    package = _copy_ours(tmp_path)
    for core in [*package.glob("_core*.so"), *package.glob("_core*.pyd")]:
        core.unlink()
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", "import helpscout"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: helpscout-webhook is installed incompletely")
    assert FIX in last and "helpscout._core" in last


def test_import_check_costs_two_stats_when_all_is_well():
    from helpscout import _install_check

    calls: List[str] = []
    real = os.path.exists
    try:
        os.path.exists = lambda p: calls.append(p) or real(p)  # type: ignore[assignment]
        _install_check.check_install(str(PACKAGE))
    finally:
        os.path.exists = real  # type: ignore[assignment]
    assert [pathlib.Path(c).name for c in calls] == ["auth_proxy.py", "apis"]


def _wheel(folder: pathlib.Path, name: str, version: str, files: Dict[str, bytes]) -> pathlib.Path:
    """A minimal, valid wheel (``py3-none-any``) holding ``files``."""
    dist = f"{name.replace('-', '_')}-{version}.dist-info"
    meta = {
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    entries = {**files, **meta}
    record = "".join(
        "%s,sha256=%s,%d\n"
        % (
            path,
            base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode(),
            len(data),
        )
        for path, data in entries.items()
    )
    path = folder / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for arcname, data in entries.items():
            zf.writestr(arcname, data)
        zf.writestr(f"{dist}/RECORD", record + f"{dist}/RECORD,,\n")
    return path


def _ours_as_wheel(folder: pathlib.Path) -> pathlib.Path:
    files = {
        "helpscout/" + p.relative_to(PACKAGE).as_posix(): p.read_bytes()
        for p in sorted(PACKAGE.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }
    return _wheel(folder, "helpscout-webhook", helpscout.__version__, files)


def _original_as_wheel(folder: pathlib.Path) -> pathlib.Path:
    files = {"helpscout/" + n: b"# a file of helpscout 0.1.3\n" for n in ORIGINAL_FILES}
    return _wheel(folder, "helpscout", "0.1.3", files)


class _Venv:
    """A new virtualenv without pip, driven by this interpreter's pip (``--python``), offline."""

    def __init__(self, root: pathlib.Path, wheels: pathlib.Path) -> None:
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120
        )
        self.python = str(root / "bin" / "python")
        self.wheels = wheels

    def pip(self, *args: str) -> None:
        cmd = [sys.executable, "-m", "pip", "--python", self.python, "-q", *args]
        if args[0] == "install":
            cmd += ["--no-index", "--no-deps", "--find-links", str(self.wheels)]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        assert run.returncode == 0, run.stderr

    def shell(self, line: str) -> None:
        """Run a documented fix (``pip ... && pip ...``) as written, through this venv's pip."""
        for command in line.split(" && "):
            words = command.split()
            assert words[0] == "pip"
            self.pip(*words[1:])

    def import_helpscout(self) -> Tuple[int, str, str]:
        code = (
            "import warnings\nwarnings.simplefilter('always')\n"
            "from helpscout import HelpScoutWebHook\nfrom helpscout.models import Customer\n"
            "print('ok')"
        )
        run = subprocess.run([self.python, "-c", code], capture_output=True, text=True, timeout=60)
        return run.returncode, run.stdout, run.stderr


@pytest.fixture
def wheels(tmp_path):
    folder = tmp_path / "wheels"
    folder.mkdir()
    _ours_as_wheel(folder)
    _original_as_wheel(folder)
    return folder


def test_pip_over_the_original_then_its_uninstall_then_the_fix(tmp_path, wheels):
    env = _Venv(tmp_path / "venv", wheels)
    env.pip("install", "helpscout==0.1.3")
    env.pip("install", "helpscout-webhook")  # pip overwrites the files the two share
    code, out, err = env.import_helpscout()
    assert code == 0 and out.strip() == "ok", err
    assert "HelpScoutMixedInstallWarning" in err and MIXED_FIX in err

    env.pip("uninstall", "-y", "helpscout")  # deletes the shared files, which were ours
    code, out, err = env.import_helpscout()
    assert code == 1 and "cannot import name 'HelpScoutWebHook'" in err

    env.pip("install", "helpscout-webhook")  # "already satisfied": does not repair
    assert env.import_helpscout()[0] == 1

    env.shell(FIX)
    code, out, err = env.import_helpscout()
    assert (code, out.strip(), err) == (0, "ok", "")


def test_pip_mixed_install_fixed_by_the_warnings_one_line_fix(tmp_path, wheels):
    env = _Venv(tmp_path / "venv", wheels)
    env.pip("install", "helpscout==0.1.3")
    env.pip("install", "helpscout-webhook")
    assert MIXED_FIX in env.import_helpscout()[2]

    env.shell(MIXED_FIX)
    code, out, err = env.import_helpscout()
    assert (code, out.strip(), err) == (0, "ok", "")
    site = next((tmp_path / "venv" / "lib").glob("python*/site-packages"))
    assert not (site / "helpscout" / "auth_proxy.py").exists()
    assert not list(site.glob("helpscout-0.1.3*"))
