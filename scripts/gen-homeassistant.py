#!/usr/bin/env python3
"""Generates rules/homeassistant.json from Home Assistant's own definitions.

It reads, with Python's `ast` module, the modules of `home-assistant/core` that integrations
call (a checkout's `homeassistant/*.py`, or the `.pyi` files of `homeassistant-stubs`, which
are generated from one core commit and keep every signature and decorator) and records
facts only, never code (see rules/README.md for the sections):

  calls.coroutine       every `async def` (an async generator or context manager is left out)
  calls.awaitable       a sync def annotated to return a Task, Future or Awaitable
  calls.not_coroutine   a sync def (`@callback` or plain) whose return annotation is certainly
                        not awaitable (None, str, a class, a Callable, ...); `Any` stays unknown
  returns               the type a sync function, method, property or class attribute gives,
                        when it leads to something the rules data knows (a Home Assistant
                        class, asyncio, aiohttp, httpx): `X | None` is X, a TypeVar its bound,
                        `Self` the class, `list[X]` `builtins.list[X]`
  bases                 each class's base classes, so that a subclass reaches what its bases
                        define; a name a package re-exports lists the class it stands for
  decorators            the decorators these modules define, by signature: `(Callable[P, R])
                        -> Callable[P, R]` keeps what it decorates, `(async handler) -> sync
                        handler` schedules it (websocket_api.async_response)

From the shared table (shared/data/homeassistant_api.tsv, read from core sources): the
`blocking` rows (sync twins that wait on the loop), the deprecated job APIs (LOOP505, in
sentences), the attributes stubgen cannot type (`hass.bus` is assigned in `__init__`), and
`ha_names`. Where the table and the definitions disagree, the definitions win (printed on
stderr).

Usage (Python 3.12 or newer: Home Assistant uses PEP 695 syntax):
  scripts/gen-homeassistant.py --ha DIR --source TEXT [--tsv TSV] > rules/homeassistant.json
DIR is a core checkout (holding homeassistant/) or a homeassistant-stubs checkout (holding
homeassistant-stubs/); TEXT names what was read, with its commit, for the `source` field.
"""
import argparse
import ast
import csv
import json
import os
import re
import sys

if sys.version_info < (3, 12):
    sys.exit("gen-homeassistant.py needs Python 3.12 or newer (Home Assistant's sources use PEP 695 syntax)")

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "..", "rules")

# The modules integrations call (and the entity platforms they subclass). Their public
# functions, classes and methods are recorded; other modules are read only to resolve names.
MODULES = [
    "homeassistant.core", "homeassistant.config_entries", "homeassistant.data_entry_flow",
    "homeassistant.loader", "homeassistant.setup", "homeassistant.config", "homeassistant.core_config",
    "homeassistant.requirements", "homeassistant.exceptions",
    "homeassistant.util.dt", "homeassistant.util.json", "homeassistant.util.file", "homeassistant.util.async_",
    "homeassistant.util.ssl", "homeassistant.util.yaml", "homeassistant.util.network",
    "homeassistant.util.location", "homeassistant.util.package",
    "homeassistant.components.websocket_api", "homeassistant.components.websocket_api.decorators",
    "homeassistant.components.websocket_api.connection", "homeassistant.components.websocket_api.messages",
    "homeassistant.components.persistent_notification", "homeassistant.components.http",
    "homeassistant.components.webhook", "homeassistant.components.recorder", "homeassistant.components.repairs",
    "homeassistant.components.frontend", "homeassistant.components.mqtt", "homeassistant.components.bluetooth",
    "homeassistant.components.zeroconf", "homeassistant.components.network", "homeassistant.components.diagnostics",
    "homeassistant.components.system_health", "homeassistant.components.logbook", "homeassistant.components.history",
    "homeassistant.components.group", "homeassistant.components.script", "homeassistant.components.automation",
    "homeassistant.components.template", "homeassistant.components.utility_meter",
    "homeassistant.components.integration", "homeassistant.components.conversation",
    "homeassistant.components.homeassistant", "homeassistant.components.lovelace", "homeassistant.components.tts",
    "homeassistant.components.stt", "homeassistant.components.intent", "homeassistant.components.media_source",
    "homeassistant.components.camera", "homeassistant.components.backup", "homeassistant.components.cloud",
    "homeassistant.components.hassio", "homeassistant.components.dhcp", "homeassistant.components.ssdp",
    "homeassistant.components.usb",
]
# helpers/*.py: every helper module
HELPERS_DIR = "homeassistant.helpers"
# entity platforms (homeassistant.const.Platform): their Entity classes
PLATFORMS = [
    "ai_task", "air_quality", "alarm_control_panel", "assist_satellite", "binary_sensor", "button", "calendar",
    "camera", "climate", "conversation", "cover", "date", "datetime", "device_tracker", "event", "fan",
    "geo_location", "humidifier", "image", "image_processing", "lawn_mower", "light", "lock", "media_player",
    "notify", "number", "remote", "scene", "select", "sensor", "siren", "stt", "switch", "text", "time", "todo",
    "tts", "update", "vacuum", "valve", "wake_word", "water_heater", "weather",
]

# Decorators whose effect is known from the language or typing, not from Home Assistant.
PROPERTY_DECORATORS = {"builtins.property", "functools.cached_property", "propcache.api.cached_property",
                       "propcache.api.under_cached_property", "propcache.cached_property",
                       "homeassistant.backports.functools.cached_property"}
NEUTRAL_DECORATORS = {"builtins.staticmethod", "builtins.classmethod", "typing.override", "typing_extensions.override",
                      "typing.final", "typing_extensions.final", "abc.abstractmethod", "functools.lru_cache",
                      "functools.cache", "functools.wraps", "typing.no_type_check"}
CALLBACK = "homeassistant.core.callback"
CONTEXT_MANAGERS = {"contextlib.contextmanager", "contextlib.asynccontextmanager"}
OVERLOAD = {"typing.overload", "typing_extensions.overload"}

NONE = "None"
ASYNC_ITER = {"typing.AsyncGenerator", "typing.AsyncIterator", "typing.AsyncIterable", "collections.abc.AsyncGenerator",
              "collections.abc.AsyncIterator", "collections.abc.AsyncIterable", "typing.AsyncContextManager",
              "contextlib.AbstractAsyncContextManager"}
AWAITABLE = {"typing.Awaitable", "collections.abc.Awaitable", "asyncio.Future", "asyncio.Task", "asyncio.futures.Future",
             "asyncio.tasks.Task", "_asyncio.Future", "_asyncio.Task"}
COROUTINE = {"typing.Coroutine", "collections.abc.Coroutine"}
# certainly not awaitable (scalars, containers, callables, common library types)
PLAIN_MODULES = ("builtins.", "datetime.", "pathlib.", "logging.", "re.", "enum.", "uuid.", "decimal.", "ipaddress.",
                 "voluptuous.", "collections.", "typing.", "types.", "concurrent.futures.", "threading.", "io.",
                 "yarl.", "multidict.", "jinja2.", "ssl.")
PLAIN_ANY = {"typing.Any", "builtins.object", "_typeshed.Incomplete", "typing_extensions.Any"}
# generic containers, written as the type engine reads them (rules/README.md: type expressions)
CONTAINERS = {"builtins.list": "builtins.list", "typing.List": "builtins.list", "builtins.set": "builtins.set",
              "typing.Set": "builtins.set", "builtins.frozenset": "builtins.frozenset", "builtins.dict": "builtins.dict",
              "typing.Dict": "builtins.dict", "builtins.tuple": "builtins.tuple", "typing.Tuple": "builtins.tuple",
              "collections.abc.Iterable": "typing.Iterable", "typing.Iterable": "typing.Iterable",
              "collections.abc.Iterator": "typing.Iterator", "typing.Iterator": "typing.Iterator",
              "collections.abc.Sequence": "typing.Sequence", "typing.Sequence": "typing.Sequence",
              "collections.abc.Mapping": "typing.Mapping", "typing.Mapping": "typing.Mapping",
              "collections.abc.ValuesView": "typing.Iterable", "collections.abc.KeysView": "typing.Iterable",
              "collections.abc.Generator": "typing.Generator", "typing.Generator": "typing.Generator",
              "collections.abc.Collection": "typing.Collection"}
WRAPPERS = {"typing.Final", "typing.ClassVar", "typing.Annotated", "typing.Required", "typing.NotRequired",
            "typing_extensions.Required", "typing_extensions.NotRequired", "typing.ReadOnly"}
UNDEFINED = {"homeassistant.helpers.typing.UndefinedType", "homeassistant.helpers.typing.UNDEFINED"}
DROP_BASES = {"typing.Generic", "typing.Protocol", "builtins.object", "abc.ABC", "typing.TypedDict",
              "typing_extensions.TypedDict", "typing.NamedTuple"}


class Module:
    def __init__(self, name, path, is_pkg):
        self.name, self.path, self.is_pkg = name, path, is_pkg
        self.tree = ast.parse(open(path, encoding="utf-8").read(), path)
        self.imports = {}    # local name -> qualified name
        self.classes = {}    # name -> ast.ClassDef
        self.funcs = {}      # name -> [FunctionDef] (overloads)
        self.typevars = {}   # name -> bound expression (or None)
        self.aliases = {}    # name -> expression (type aliases)
        self.all = None
        for node in self.tree.body:
            self._top(node)

    def _top(self, node):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    self.imports[a.asname] = a.name
                else:
                    self.imports[a.name.split(".")[0]] = a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = self.name.split(".")
                if not self.is_pkg:
                    parts = parts[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            for a in node.names:
                self.imports[a.asname or a.name] = f"{base}.{a.name}"
        elif isinstance(node, ast.ClassDef):
            self.classes[node.name] = node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.funcs.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.TypeAlias):
            self.aliases[node.name.id] = node.value
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            for t in targets:
                if not isinstance(t, ast.Name) or value is None:
                    continue
                if t.id == "__all__" and isinstance(value, (ast.List, ast.Tuple)):
                    self.all = [e.value for e in value.elts if isinstance(e, ast.Constant)]
                elif isinstance(value, ast.Call) and dotted(value.func) in ("TypeVar", "typing.TypeVar"):
                    bound = next((k.value for k in value.keywords if k.arg == "bound"), None)
                    self.typevars[t.id] = bound
                elif isinstance(node, ast.AnnAssign) and dotted(node.annotation) in ("TypeAlias", "typing.TypeAlias"):
                    self.aliases[t.id] = value
                elif isinstance(node, ast.Assign) and is_type_expr(value):
                    self.aliases[t.id] = value
        elif isinstance(node, ast.If):
            for n in node.body + node.orelse:
                self._top(n)
        elif isinstance(node, ast.Try):
            for n in node.body:
                self._top(n)


def dotted(e):
    if isinstance(e, ast.Name):
        return e.id
    if isinstance(e, ast.Attribute):
        d = dotted(e.value)
        return f"{d}.{e.attr}" if d else None
    return None


def is_type_expr(e):
    """`X = Callable[...]`, `X = A | B`: a module-level alias, not a constant."""
    if isinstance(e, ast.Subscript):
        return dotted(e.value) is not None
    if isinstance(e, ast.BinOp) and isinstance(e.op, ast.BitOr):
        return True
    return False


class HA:
    def __init__(self, root):
        self.root = root
        self.pkg = None
        for cand in ("homeassistant", "homeassistant-stubs"):
            if os.path.isdir(os.path.join(root, cand)):
                self.pkg = os.path.join(root, cand)
        if not self.pkg:
            sys.exit(f"{root}: holds neither homeassistant/ nor homeassistant-stubs/")
        self.mods = {}
        self.notes = []

    def module(self, name):
        if name in self.mods:
            return self.mods[name]
        m = None
        if name == "homeassistant" or name.startswith("homeassistant."):
            rel = name.split(".")[1:]
            base = os.path.join(self.pkg, *rel)
            for path, is_pkg in ((base + ".py", False), (base + ".pyi", False),
                                 (os.path.join(base, "__init__.py"), True), (os.path.join(base, "__init__.pyi"), True)):
                if os.path.isfile(path):
                    m = Module(name, path, is_pkg)
                    break
        self.mods[name] = m
        return m

    def helper_modules(self):
        d = os.path.join(self.pkg, "helpers")
        out = []
        for f in sorted(os.listdir(d)):
            stem, ext = os.path.splitext(f)
            if ext in (".py", ".pyi") and not stem.startswith("_"):
                out.append(f"{HELPERS_DIR}.{stem}")
            elif os.path.isdir(os.path.join(d, f)) and not f.startswith("_"):
                out.append(f"{HELPERS_DIR}.{f}")
        return sorted(set(out))

    # --- names ---------------------------------------------------------------------------

    def resolve(self, q, depth=0):
        """The canonical qualified name of q: re-exports and imports followed, when the
        module that holds the name is a Home Assistant module."""
        if depth > 12 or not q:
            return q
        parts = q.split(".")
        for i in range(len(parts) - 1, 0, -1):
            mod = self.module(".".join(parts[:i])) if parts[0] == "homeassistant" else None
            if mod is None:
                continue
            head, rest = parts[i], parts[i + 1:]
            if head in mod.classes or head in mod.funcs or head in mod.typevars or head in mod.aliases:
                return q
            if head in mod.imports:
                return self.resolve(".".join([mod.imports[head]] + rest), depth + 1)
            return q
        return q

    def lookup(self, mod, name, cls=None, tparams=None):
        """What a bare or dotted name in mod means: ('class'|'typevar'|'alias'|'name', value)."""
        head, _, rest = name.partition(".")
        if tparams and head in tparams and not rest:
            return ("typevar", tparams[head])
        if head in mod.typevars and not rest:
            return ("typevar", (mod, mod.typevars[head]))
        if head in mod.aliases and not rest:
            return ("alias", (mod, mod.aliases[head]))
        if head in mod.classes or head in mod.funcs:
            q = f"{mod.name}.{name}"
        elif head in mod.imports:
            q = mod.imports[head] + (f".{rest}" if rest else "")
        elif head in BUILTIN_NAMES:
            q = f"builtins.{name}"
        else:
            q = name
        q = self.resolve(q)
        owner, _, last = q.rpartition(".")
        m = self.module(owner) if owner.startswith("homeassistant") else None
        if m:
            if last in m.typevars:
                return ("typevar", (m, m.typevars[last]))
            if last in m.aliases:
                return ("alias", (m, m.aliases[last]))
        return ("name", q)

    def class_def(self, q):
        owner, _, last = q.rpartition(".")
        m = self.module(owner) if owner.startswith("homeassistant") else None
        return (m, m.classes[last]) if m and last in m.classes else (None, None)


BUILTIN_NAMES = {"list", "dict", "set", "frozenset", "tuple", "str", "int", "float", "bool", "bytes", "object",
                 "type", "complex", "bytearray", "memoryview", "range", "property", "staticmethod", "classmethod",
                 "Exception", "BaseException"}


class Gen:
    def __init__(self, ha, known_prefixes):
        self.ha = ha
        self.known = known_prefixes     # types other rules data knows something about
        self.calls = {"coroutine": set(), "awaitable": set(), "not_coroutine": set()}
        self.returns = {}
        self.bases = {}
        self.decorators = {"keeps": set(), "schedules": set()}
        self.attr_params = {}           # class -> {attribute: its class type parameter}
        self.class_nodes = {}           # class -> (module, ast.ClassDef)
        self.nature = {}                # qualified name -> coroutine / callback / plain / awaitable (report)
        self.classes = set()
        self.skipped = []

    # --- types -----------------------------------------------------------------------------

    def tparams_of(self, node, mod):
        out = {}
        for tp in getattr(node, "type_params", []) or []:
            if isinstance(tp, ast.TypeVar):
                out[tp.name] = (mod, tp.bound)
            else:
                out[tp.name] = (mod, None)
        return out

    def type_of(self, e, mod, cls=None, tparams=None, depth=0):
        """The qualified type an annotation names, or None when it names no one class."""
        if e is None or depth > 8:
            return None
        if isinstance(e, ast.Constant):
            if e.value is None:
                return NONE
            if isinstance(e.value, str):
                try:
                    return self.type_of(ast.parse(e.value, mode="eval").body, mod, cls, tparams, depth + 1)
                except SyntaxError:
                    return None
            return None
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.BitOr):
            parts = [self.type_of(x, mod, cls, tparams, depth + 1) for x in flatten_union(e)]
            return self.union(parts)
        if isinstance(e, (ast.Name, ast.Attribute)):
            name = dotted(e)
            if not name:
                return None
            if name in ("Self", "typing.Self", "typing_extensions.Self"):
                return cls
            kind, v = self.ha.lookup(mod, name, cls, tparams)
            if kind == "typevar":
                m, bound = v
                return self.type_of(bound, m, cls, None, depth + 1) if bound is not None else None
            if kind == "alias":
                m, expr = v
                return self.type_of(expr, m, cls, None, depth + 1)
            if v in ("typing.Self", "typing_extensions.Self"):
                return cls
            if v in PLAIN_ANY:
                return None
            if v in UNDEFINED:
                return "undefined"
            return v
        if isinstance(e, ast.Subscript):
            base = dotted(e.value)
            if not base:
                return None
            kind, v = self.ha.lookup(mod, base, cls, tparams)
            if kind == "alias":
                return None  # a generic alias: not followed
            args = e.slice.elts if isinstance(e.slice, ast.Tuple) else [e.slice]
            if v == "typing.Optional":
                return self.union([self.type_of(args[0], mod, cls, tparams, depth + 1), NONE])
            if v == "typing.Union":
                return self.union([self.type_of(a, mod, cls, tparams, depth + 1) for a in args])
            if v in WRAPPERS:
                return self.type_of(args[0], mod, cls, tparams, depth + 1)
            if v in ("builtins.type", "typing.Type", "typing.Callable", "collections.abc.Callable", "typing.Literal"):
                return {"typing.Literal": "builtins.str"}.get(v, "callable" if "Callable" in v else None)
            if v in CONTAINERS:
                inner = [self.type_of(a, mod, cls, tparams, depth + 1) for a in args]
                if any(i is None or i in ("undefined", "callable") for i in inner):
                    return CONTAINERS[v]
                return f"{CONTAINERS[v]}[{', '.join(inner)}]"
            if v in AWAITABLE or v in COROUTINE or v in ASYNC_ITER:
                return v
            return v  # a generic class: Store[X] is a Store
        return None

    def union(self, parts):
        real = [p for p in parts if p not in (NONE, "undefined")]
        if any(p is None for p in real):
            return None
        real = sorted(set(real))
        if not real:
            return NONE
        return real[0] if len(real) == 1 else None

    def plain(self, t):
        """Whether a value of type t is certainly not awaitable."""
        if t in (NONE, "callable"):
            return True
        if not t or t == "undefined":
            return False
        base = t.split("[", 1)[0]
        if base in AWAITABLE or base in COROUTINE or base in ASYNC_ITER:
            return False
        if base.startswith("homeassistant."):
            return not self.class_awaitable(base)
        return base.startswith(PLAIN_MODULES) or base.startswith("aiohttp.") or base.startswith("httpx.")

    def class_awaitable(self, q, depth=0):
        m, c = self.ha.class_def(q)
        if c is None or depth > 10:
            return c is None  # unknown class: maybe
        for b in self.base_names(m, c):
            if b.split("[", 1)[0] in AWAITABLE or b in COROUTINE:
                return True
            if b.startswith("homeassistant.") and self.class_awaitable(b, depth + 1):
                return True
        return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "__await__" for n in c.body)

    def base_names(self, mod, c):
        out = []
        tparams = self.tparams_of(c, mod)
        for b in c.bases:
            e = b.value if isinstance(b, ast.Subscript) else b
            name = dotted(e)
            if not name:
                continue
            kind, v = self.ha.lookup(mod, name, None, tparams)
            if kind == "name":
                out.append(v)
        return out

    # --- facts -----------------------------------------------------------------------------

    def decorator_names(self, node, mod):
        out = []
        for d in node.decorator_list:
            e = d.func if isinstance(d, ast.Call) else d
            name = dotted(e)
            if name is None:
                out.append("?")
                continue
            kind, v = self.ha.lookup(mod, name)
            out.append(v if kind == "name" else "?")
        return out

    def module_decorators(self, mod):
        """The decorators a module defines, by their signatures (before any function is judged)."""
        for name, defs in mod.funcs.items():
            if name.startswith("_"):
                continue
            effect = self.decorator_effect(f"{mod.name}.{name}")
            if effect and self.is_decorator(defs, mod):
                self.decorators[effect].add(f"{mod.name}.{name}")

    def classify(self, node, mod, cls, tparams):
        """One definition: ('coroutine'|'awaitable'|'callback'|'plain'|'property'|None, return type)."""
        decos = self.decorator_names(node, mod)
        ret = self.type_of(node.returns, mod, cls, tparams)
        if any(d in PROPERTY_DECORATORS for d in decos):
            return "property", ret
        if any(d == "?" or d.endswith((".setter", ".deleter", ".getter")) for d in decos):
            return None, None
        if any(d in self.decorators["schedules"] for d in decos):
            return "plain", NONE  # websocket_api.async_response: a plain function that schedules the coroutine
        for d in decos:
            if d in PROPERTY_DECORATORS or d in NEUTRAL_DECORATORS or d in OVERLOAD or d == CALLBACK:
                continue
            if d in CONTEXT_MANAGERS:
                return None, None
            if d in self.decorators["keeps"] or self.decorator_keeps(d):
                continue
            self.skipped.append(f"{mod.name}.{node.name}: decorator {d}")
            return None, None
        if isinstance(node, ast.AsyncFunctionDef):
            base = (ret or "").split("[", 1)[0]
            if base in ASYNC_ITER or any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(node)):
                return None, None  # an async generator: calling it gives no coroutine
            return "coroutine", ret
        base = (ret or "").split("[", 1)[0]
        if base in COROUTINE:
            return "coroutine", None
        if base in AWAITABLE:
            return "awaitable", ret
        if ret and ret != "undefined" and self.union_awaitable(node.returns, mod, cls, tparams):
            return "awaitable", None
        if self.plain(ret):
            return ("callback" if CALLBACK in decos else "plain"), ret
        return None, ret

    def union_awaitable(self, ann, mod, cls, tparams):
        """`asyncio.Future[_R] | None`: an awaitable, or None."""
        if not (isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr)):
            return False
        parts = [self.type_of(x, mod, cls, tparams) for x in flatten_union(ann)]
        real = [p for p in parts if p != NONE]
        return bool(real) and all(p and p.split("[", 1)[0] in AWAITABLE for p in real)

    def decorator_keeps(self, q):
        """A Home Assistant decorator (or decorator factory) typed `Callable[P, R] -> Callable[P, R]`."""
        return self.decorator_effect(q) == "keeps"

    def decorator_effect(self, q):
        owner, _, last = q.rpartition(".")
        m = self.ha.module(owner) if owner.startswith("homeassistant") else None
        if not m or last not in m.funcs:
            return None
        effects = set()
        for fn in m.funcs[last]:
            effects.add(self.signature_effect(fn, m))
        return effects.pop() if len(effects) == 1 else None

    def signature_effect(self, fn, mod):
        tparams = self.tparams_of(fn, mod)
        args = fn.args.posonlyargs + fn.args.args
        ret, rmod = self.expand(fn.returns, mod)
        if len(args) >= 1 and args[0].annotation is not None:
            pin, pmod = self.expand(args[0].annotation, mod)
            if is_callable(pin, pmod, self) and is_callable(ret, rmod, self):
                if ast.dump(pin) == ast.dump(ret):
                    return "keeps"
                rin, rout = callable_return(pin), callable_return(ret)
                tin = self.type_of(rin, pmod, None, tparams) if rin is not None else None
                tout = self.type_of(rout, rmod, None, tparams) if rout is not None else None
                if tin and tin.split("[", 1)[0] in (AWAITABLE | COROUTINE) and tout == NONE:
                    return "schedules"
                return None
            # `type[_T] -> type[_T]`, class decorators: not about functions
        # a factory: `(...) -> Callable[[F], F]`
        if ret is not None and is_callable(ret, rmod, self):
            params = callable_params(ret)
            out = callable_return(ret)
            if params is not None and len(params) == 1 and out is not None:
                if ast.dump(self.expand(params[0], rmod)[0]) == ast.dump(self.expand(out, rmod)[0]):
                    return "keeps"
        return None

    def expand(self, e, mod, depth=0):
        """An annotation with a module-level alias replaced by what it stands for, and the
        module whose names it uses."""
        if e is None or depth > 6:
            return e, mod
        name = dotted(e) if isinstance(e, (ast.Name, ast.Attribute)) else None
        if name:
            kind, v = self.ha.lookup(mod, name)
            if kind == "alias":
                m, expr = v
                return self.expand(expr, m, depth + 1)
        return e, mod

    def add_call(self, q, kind):
        if kind == "coroutine":
            self.calls["coroutine"].add(q)
        elif kind == "awaitable":
            self.calls["awaitable"].add(q)
        elif kind in ("callback", "plain"):
            self.calls["not_coroutine"].add(q)

    def function(self, q, defs, mod, cls=None, cls_tparams=None):
        kinds, rets = set(), set()
        for fn in defs:
            tparams = dict(cls_tparams or {})
            tparams.update(self.tparams_of(fn, mod))
            kind, ret = self.classify(fn, mod, cls, tparams)
            kinds.add(kind)
            rets.add(ret)
        if len(defs) > 1:
            # overloads: the implementation (last, without @overload) decides when present
            impl = [fn for fn in defs if OVERLOAD.isdisjoint(self.decorator_names(fn, mod))]
            if impl and len(impl) < len(defs):
                return self.function(q, impl[-1:], mod, cls, cls_tparams)
        if len(kinds) != 1:
            self.skipped.append(f"{q}: overloads disagree ({', '.join(sorted(map(str, kinds)))})")
            return
        kind = kinds.pop()
        ret = rets.pop() if len(rets) == 1 else None
        if kind is None:
            return
        self.nature[q] = kind
        if kind == "property":
            if ret and ret != NONE and not q.rsplit(".", 1)[1].startswith("_"):
                self.returns[q] = ret
            return
        self.add_call(q, kind)
        if kind in ("callback", "plain", "awaitable") and ret and ret != NONE:
            self.returns[q] = ret

    def param_order(self, node, mod):
        """A generic class's type parameters, in order (PEP 695, Generic[...], or the order
        TypeVars first appear in its bases)."""
        if getattr(node, "type_params", None):
            return [tp.name for tp in node.type_params]
        order = []
        for b in node.bases:
            if not isinstance(b, ast.Subscript):
                continue
            args = b.slice.elts if isinstance(b.slice, ast.Tuple) else [b.slice]
            names = [a.id for a in args if isinstance(a, ast.Name) and a.id in mod.typevars]
            if dotted(b.value) in ("Generic", "typing.Generic"):
                return names
            order += [x for x in names if x not in order]
        return order

    def specialise(self):
        """`class CoordinatorEntity[T: DataUpdateCoordinator](BaseCoordinatorEntity[T])`: the
        `coordinator` attribute BaseCoordinatorEntity types as its parameter is, on the
        subclass, what the subclass binds that parameter to."""
        for q, (mod, node) in sorted(self.class_nodes.items()):
            tparams = self.tparams_of(node, mod)
            for b in node.bases:
                if not isinstance(b, ast.Subscript):
                    continue
                name = dotted(b.value)
                kind, base = self.ha.lookup(mod, name, None, tparams) if name else (None, None)
                if kind != "name" or base not in self.attr_params:
                    continue
                bmod, bnode = self.class_nodes[base]
                order = self.param_order(bnode, bmod)
                args = b.slice.elts if isinstance(b.slice, ast.Tuple) else [b.slice]
                for attr, param in self.attr_params[base].items():
                    if param not in order or order.index(param) >= len(args):
                        continue
                    arg = args[order.index(param)]
                    if isinstance(arg, ast.Name) and arg.id in self.param_order(node, mod):
                        self.attr_params.setdefault(q, {})[attr] = arg.id
                    if attr.startswith("_"):
                        continue
                    t = self.type_of(arg, mod, q, tparams)
                    if t and t != NONE and t != self.returns.get(f"{base}.{attr}"):
                        self.returns[f"{q}.{attr}"] = t

    def has_facts(self, q, depth=0):
        """Whether a class (or one of its bases) has a call fact or a typed attribute."""
        if depth > 12:
            return False
        if q in self.fact_owners:
            return True
        return any(self.has_facts(b, depth + 1) for b in self.bases.get(q, []))

    def prune_returns(self):
        """Only the types that lead somewhere are kept: a class with call facts (its own or its
        bases'), a class one of whose attributes leads somewhere, or a type other rules know."""
        self.fact_owners = set()
        for sec in self.calls.values():
            for k in sec:
                self.fact_owners.add(k.rsplit(".", 1)[0])
        kept = {}
        for _ in range(6):
            changed = False
            for k, t in self.returns.items():
                if k not in kept and self.leads(t):
                    kept[k] = t
                    self.fact_owners.add(k.rsplit(".", 1)[0])
                    changed = True
            if not changed:
                break
        self.returns = kept

    def leads(self, t):
        if not t or t in (NONE, "undefined", "callable"):
            return False
        if "[" in t:
            return any(self.leads(p.strip()) for p in split_args(t[t.index("[") + 1:-1]))
        if t.startswith("homeassistant."):
            return self.has_facts(t)
        return any(t == k or t.startswith(k + ".") for k in self.known)

    def klass(self, q, node, mod):
        self.classes.add(q)
        self.class_nodes[q] = (mod, node)
        tparams = self.tparams_of(node, mod)
        bases = [b for b in self.base_names(mod, node) if b not in DROP_BASES]
        if bases:
            self.bases[q] = bases
        methods = {}
        for n in node.body:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods.setdefault(n.name, []).append(n)
        init_params = {}
        for fn in methods.get("__init__", []):
            for a in fn.args.args[1:] + fn.args.kwonlyargs:
                if a.annotation is not None:
                    init_params[a.arg] = a.annotation
        for n in node.body:
            if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
                name = n.target.id
                if name.startswith("__"):
                    continue
                ann = n.annotation
                if dotted(ann) in ("Incomplete", "_typeshed.Incomplete") and name in init_params:
                    # stubgen writes `x: Incomplete` for `self.x = x` in __init__: the parameter's type
                    ann = init_params[name]
                if isinstance(ann, ast.Name) and ann.id in self.param_order(node, mod):
                    self.attr_params.setdefault(q, {})[name] = ann.id
                if name.startswith("_"):
                    continue
                t = self.type_of(ann, mod, q, tparams)
                if t and t != NONE:
                    self.returns[f"{q}.{name}"] = t
        for name, defs in methods.items():
            if name.startswith("__") and name != "__call__":
                continue
            self.function(f"{q}.{name}", defs, mod, q, tparams)

    def module(self, mod, public_only=True):
        for name, node in mod.classes.items():
            if not public_only or not name.startswith("_"):
                self.klass(f"{mod.name}.{name}", node, mod)
        for name, defs in mod.funcs.items():
            if not name.startswith("_"):
                self.function(f"{mod.name}.{name}", defs, mod)

    def is_decorator(self, defs, mod):
        """A function taking a callable (or returning a function that takes one)."""
        for fn in defs:
            args = fn.args.posonlyargs + fn.args.args
            if args and args[0].annotation is not None and is_callable(*self.expand(args[0].annotation, mod), self):
                return True
            ret, rmod = self.expand(fn.returns, mod)
            params = callable_params(ret) if ret is not None and is_callable(ret, rmod, self) else None
            if params and len(params) == 1 and is_callable(*self.expand(params[0], rmod), self):
                return True
        return False

    def reexports(self, mod):
        """Names a package re-exports (`from .decorators import async_response as async_response`
        in an __init__, or listed in __all__): facts under the name integrations write."""
        if not mod.is_pkg:
            return
        relative = set()
        for node in mod.tree.body:
            if isinstance(node, ast.ImportFrom) and node.level:
                relative.update(a.asname or a.name for a in node.names)
        for local, target in mod.imports.items():
            if local.startswith("_") or not (local in relative or (mod.all is not None and local in mod.all)):
                continue
            canon = self.ha.resolve(target)
            alias = f"{mod.name}.{local}"
            if canon == alias:
                continue
            if canon in self.classes:
                self.bases.setdefault(alias, [canon])
            for section in self.calls.values():
                if canon in section:
                    section.add(alias)
            if canon in self.returns:
                self.returns.setdefault(alias, self.returns[canon])
            for section in self.decorators.values():
                if canon in section:
                    section.add(alias)


def flatten_union(e):
    if isinstance(e, ast.BinOp) and isinstance(e.op, ast.BitOr):
        return flatten_union(e.left) + flatten_union(e.right)
    return [e]


def split_args(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += ch == "["
        depth -= ch == "]"
        cur += ch
    return out + [cur]


def is_callable(e, mod, gen):
    if not isinstance(e, ast.Subscript):
        return False
    name = dotted(e.value)
    kind, v = gen.ha.lookup(mod, name) if name else (None, None)
    return v in ("typing.Callable", "collections.abc.Callable")


def callable_params(e):
    s = e.slice
    if isinstance(s, ast.Tuple) and len(s.elts) == 2 and isinstance(s.elts[0], ast.List):
        return s.elts[0].elts
    return None


def callable_return(e):
    s = e.slice
    if isinstance(s, ast.Tuple) and len(s.elts) == 2:
        return s.elts[1]
    return None


# --- the shared table -----------------------------------------------------------------------

HASS = "homeassistant.core.HomeAssistant"
# classes the table names where they used to live (core.py was split: Config is in core_config.py
# since 2024.11)
MOVED = {"homeassistant.core.Config": "homeassistant.core_config.Config"}
DEPRECATED = {
    "async_add_job": ("2025.4", "`await` a coroutine, call an `@callback` function directly, or run sync code with "
                      "`await hass.async_add_executor_job(func)`"),
    "async_run_job": ("2025.4", "`await` a coroutine, call an `@callback` function directly, or run sync code with "
                      "`await hass.async_add_executor_job(func)`"),
    "async_add_hass_job": ("2025.5", "run a `HassJob` with `hass.async_run_hass_job(job)`, or schedule a coroutine "
                           "with `hass.async_create_task(coro)`"),
}


def read_table(path):
    rows = []
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            rows.append(row)
    return rows


def table_qual(row):
    api, owner = row["api"], row["owner"]
    method = api.rsplit(".", 1)[-1]
    return api if api.startswith("homeassistant.") else f"{owner}.{method}"


def known_prefixes():
    """Types the other rules files know something about: a return type of one of them is
    worth recording (`async_get_clientsession(hass) -> aiohttp.ClientSession`)."""
    out = set()
    for f in ("blocking.json", "types.json", "coroutines.json"):
        p = os.path.join(RULES, f)
        if not os.path.exists(p):
            continue
        d = json.load(open(p))
        names = [e["name"] for e in d.get("blocking", [])]
        for sec in d.get("calls", {}).values():
            names += sec
        names += list(d.get("returns", {}).keys()) + list(d.get("returns", {}).values())
        for n in names:
            if "." in n:
                out.add(n.rsplit(".", 1)[0])
    # containers lead somewhere only through their arguments (`builtins.list[ConfigEntry]`)
    plain = ("homeassistant", "builtins", "typing", "collections", "os", "io", "$")
    return {k for k in out if not k.startswith(plain)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ha", required=True, help="core checkout or homeassistant-stubs checkout")
    ap.add_argument("--source", required=True, help="what was read, with its commit (for the `source` field)")
    ap.add_argument("--tsv", default=os.path.join(HERE, "..", "..", "shared", "data", "homeassistant_api.tsv"))
    ap.add_argument("--verbose", action="store_true", help="list what was left out, on stderr")
    args = ap.parse_args()

    ha = HA(args.ha)
    gen = Gen(ha, known_prefixes())
    names = list(MODULES) + ha.helper_modules() + [f"homeassistant.components.{p}" for p in PLATFORMS]
    mods = []
    for name in names:
        m = ha.module(name)
        if m is None:
            print(f"note: {name}: not found", file=sys.stderr)
            continue
        mods.append(m)
    # classes first, so return types can tell a Home Assistant class from anything else
    for m in mods:
        for cname in m.classes:
            gen.classes.add(f"{m.name}.{cname}")
    for m in mods:
        gen.module_decorators(m)
    for m in mods:
        gen.module(m)
    gen.specialise()
    gen.prune_returns()
    for m in mods:
        gen.reexports(m)

    # the shared table: blocking twins, deprecations, attributes set in __init__
    blocking, deprecated = [], []
    for row in read_table(args.tsv):
        api, owner, kind, note = row["api"], row["owner"], row["kind"], row["note"]
        owner = MOVED.get(owner, owner)
        row["owner"] = owner
        qual = table_qual(row)
        parts = api.split(".")
        if parts[0] == "hass" and len(parts) >= 3:
            chain = HASS
            for attr in parts[1:-2]:
                chain = gen.returns.get(f"{chain}.{attr}", chain)
            key = f"{chain}.{parts[-2]}"
            if key not in gen.returns:
                gen.returns[key] = owner
        if kind == "blocking":
            blocking.append({"name": qual, "category": "other",
                             "message": f"`{api}` waits for the event loop from a worker thread: called on the loop it "
                                        f"blocks or deadlocks ({note})",
                             "fix": "the `async_` variant, awaited if it is a coroutine"})
        if kind.startswith("deprecated"):
            method = api.rsplit(".", 1)[-1]
            version, instead = DEPRECATED[method]
            deprecated.append({"name": qual,
                               "message": f"Home Assistant deprecated `hass.{method}` and announced its removal for "
                                          f"{version}; {instead}"})
        want = {"coroutine": "coroutine", "callback": "not_coroutine", "sync-threadsafe": "not_coroutine",
                "awaitable-returning": "awaitable", "deprecated-awaitable-returning": "awaitable"}.get(kind)
        have = [k for k, v in gen.calls.items() if qual in v]
        if want and have and want not in have:
            print(f"note: table says {qual} is {want}, the definitions say {have[0]}", file=sys.stderr)
    # attributes the table knows and the definitions do not: asyncio's loop on hass
    gen.returns.setdefault(f"{HASS}.loop", "asyncio.AbstractEventLoop")

    if args.verbose:
        for s in sorted(set(gen.skipped)):
            print(f"left out: {s}", file=sys.stderr)
    counts = {k: sum(1 for v in gen.nature.values() if v == k) for k in
              ("coroutine", "callback", "plain", "awaitable", "property")}
    print(f"{len(mods)} modules, {len(gen.classes)} classes; definitions: " +
          ", ".join(f"{v} {k}" for k, v in counts.items()) +
          f"; {len(gen.returns)} returns, {len(gen.bases)} bases", file=sys.stderr)

    out = {
        "source": f"{args.source}: generated by scripts/gen-homeassistant.py (blocking twins and deprecations from "
                  "shared/data/homeassistant_api.tsv)",
        "calls": {k: sorted(v) for k, v in gen.calls.items()},
        "returns": dict(sorted(gen.returns.items())),
        "bases": dict(sorted(gen.bases.items())),
        "decorators": {k: sorted(v) for k, v in gen.decorators.items()},
        "blocking": sorted(blocking, key=lambda e: e["name"]),
        "deprecated": sorted(deprecated, key=lambda e: e["name"]),
        "ha_names": {"hass": HASS},
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
