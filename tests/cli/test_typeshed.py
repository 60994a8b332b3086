"""`looplint typeshed STUBS_DIR`: the facts it reads from small fake typesheds (exact output; the
types: generics, Self, $N through bases, Optional, bases, trimming), its errors, and the
generated rules/typeshed.json the engine loads."""
import json
import os
import sys
import tempfile
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, check, finish, run  # noqa: E402

STUBS = {
    "stdlib/asyncio/__init__.pyi": """
        import sys
        from .futures import Future as Future
        from .locks import *
        from .tasks import *
        if sys.version_info >= (3, 11):
            from .tasks import sleep as sleep
    """,
    "stdlib/asyncio/futures.pyi": """
        from typing import Generic, TypeVar
        __all__ = ("Future",)
        _T = TypeVar("_T")
        class Future(Generic[_T]):
            def result(self) -> _T: ...
    """,
    # no __all__: a star import takes the public names
    "stdlib/asyncio/locks.pyi": """
        import sys
        from typing import Literal
        class Lock:
            async def acquire(self) -> Literal[True]: ...
            def release(self) -> None: ...
            if sys.version_info >= (3, 13):
                async def locked_wait(self) -> None: ...
        def _helper() -> None: ...
    """,
    "stdlib/asyncio/tasks.pyi": """
        import sys
        from collections.abc import AsyncIterator
        from typing import Any, TypeVar, overload
        from typing_extensions import Self
        from .futures import Future

        __all__ = ("sleep", "gather", "create_task", "ensure_future", "ticks", "run", "Task", "Runner", "FastRunner")
        _T = TypeVar("_T")
        _FT = TypeVar("_FT", bound=Future[Any])

        async def sleep(delay: float) -> None: ...
        @overload
        def gather(a: Any, /) -> Future[tuple[Any]]: ...
        @overload
        def gather(*coros: Any) -> Future[list[Any]]: ...  # type: ignore[overload-overlap]
        def ensure_future(f: _FT) -> _FT: ...
        async def ticks() -> AsyncIterator[int]: ...
        async def _x() -> None: ...
        def run(main: Any) -> Any: ...
        class Task(Future[_T]): ...
        def create_task(coro: Any) -> Task[Any]: ...
        class Runner:
            async def close(self) -> None: ...
            def loop(self) -> Runner: ...
            def clone(self) -> Self: ...
        class FastRunner(Runner):
            def sync(self) -> None: ...
        if sys.version_info >= (3, 12):
            async def wait_new() -> None: ...
        else:
            def wait_new() -> Future[None]: ...
    """,
    "stubs/requests/requests/__init__.pyi": """
        from .api import get as get
        from .models import Response as Response
    """,
    "stubs/requests/requests/api.pyi": """
        from .models import Response
        def get(url: str) -> Response: ...
    """,
    "stubs/requests/requests/models.pyi": """
        from typing import Any
        class Response:
            def json(self) -> Any: ...
    """,
    "stubs/requests/@tests/stubtest_allowlist.pyi": "this is not a stub(\n",
    "stubs/broken/broken/__init__.pyi": "def f(:\n    async def g() -> None: ...\n",
}

EXPECTED = """{
  "calls": {
    "coroutine": [
      "asyncio.FastRunner.close",
      "asyncio.Lock.acquire",
      "asyncio.Lock.locked_wait",
      "asyncio.Runner.close",
      "asyncio.locks.Lock.acquire",
      "asyncio.locks.Lock.locked_wait",
      "asyncio.sleep",
      "asyncio.tasks.FastRunner.close",
      "asyncio.tasks.Runner.close",
      "asyncio.tasks.sleep"
    ],
    "awaitable": [
      "asyncio.create_task",
      "asyncio.ensure_future",
      "asyncio.gather",
      "asyncio.tasks.create_task",
      "asyncio.tasks.ensure_future",
      "asyncio.tasks.gather",
      "asyncio.tasks.wait_new"
    ]
  },
  "returns": {
    "asyncio.FastRunner.clone": "asyncio.FastRunner",
    "asyncio.FastRunner.loop": "asyncio.Runner",
    "asyncio.Future.result": "$0",
    "asyncio.Runner.clone": "asyncio.Runner",
    "asyncio.Runner.loop": "asyncio.Runner",
    "asyncio.Task.result": "$0",
    "asyncio.create_task": "asyncio.Task",
    "asyncio.ensure_future": "asyncio.Future",
    "asyncio.futures.Future": "asyncio.Future",
    "asyncio.gather": "asyncio.Future",
    "asyncio.locks.Lock": "asyncio.Lock",
    "asyncio.tasks.FastRunner": "asyncio.FastRunner",
    "asyncio.tasks.Runner": "asyncio.Runner",
    "asyncio.tasks.Task": "asyncio.Task",
    "asyncio.tasks.create_task": "asyncio.Task",
    "asyncio.tasks.ensure_future": "asyncio.Future",
    "asyncio.tasks.gather": "asyncio.Future"
  },
  "bases": {
    "asyncio.FastRunner": ["asyncio.Runner"],
    "asyncio.Future": [],
    "asyncio.Lock": [],
    "asyncio.Runner": [],
    "asyncio.Task": ["asyncio.Future"],
    "asyncio.futures.Future": ["asyncio.Future"],
    "asyncio.locks.Lock": ["asyncio.Lock"],
    "asyncio.tasks.FastRunner": ["asyncio.FastRunner"],
    "asyncio.tasks.Runner": ["asyncio.Runner"],
    "asyncio.tasks.Task": ["asyncio.Task"]
  }
}
"""


def write_stubs(root):
    for rel, text in STUBS.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text).lstrip("\n"))


def read(path):
    with open(path) as f:
        return f.read()


with tempfile.TemporaryDirectory() as tmp:
    stubs = os.path.join(tmp, "typeshed")
    write_stubs(stubs)
    out = os.path.join(tmp, "typeshed.json")

    # the facts, exactly; the broken stub is skipped with a warning and the rest still read
    rc, _, err = run("typeshed", stubs, "--out", out)
    check("fake typeshed: exit 0", rc == 0, f"rc={rc} stderr={err[:500]}")
    got = read(out) if os.path.exists(out) else ""
    check("fake typeshed: exact JSON", got == EXPECTED, f"got:\n{got}")
    broken = os.path.join("stubs", "broken", "broken", "__init__.pyi")
    check("broken stub: warning names it", "warning" in err and broken in err and "syntax error on line 1" in err, err)
    check("@tests folders are not read", "stubtest_allowlist" not in err, err)
    check("summary on stderr", "7 stubs read, 1 skipped" in err, err)

    # standard output without --out, and --source recorded first
    rc, stdout, _ = run("typeshed", stubs, "--source", "fake@1 typeshed-fallback")
    data = json.loads(stdout) if rc == 0 else {}
    check("stdout output parses", rc == 0 and list(data)[0] == "source", stdout[:200])
    check("source recorded", data.get("source") == "fake@1 typeshed-fallback", stdout[:200])

    # types that lead nowhere (requests here has no blocking data) are kept only when asked
    rc, stdout, _ = run("typeshed", stubs)
    data = json.loads(stdout) if rc == 0 else {"returns": {}, "bases": {}}
    check("requests types trimmed", "requests.get" not in data["returns"] and "requests.Response" not in data["bases"],
          stdout[-800:])
    rc, stdout, _ = run("typeshed", stubs, "--all-returns")
    data = json.loads(stdout) if rc == 0 else {"returns": {}, "bases": {}}
    want = {"requests.models.Response": "requests.Response", "requests.get": "requests.Response",
            "requests.api.get": "requests.Response"}
    check("--all-returns keeps requests types", all(data["returns"].get(k) == v for k, v in want.items()),
          json.dumps(data["returns"], indent=1))
    check("--all-returns lists requests.Response as a class", data["bases"].get("requests.Response") == []
          and data["bases"].get("requests.models.Response") == ["requests.Response"], json.dumps(data["bases"], indent=1))
    check("requests.get is not a coroutine", "requests.get" not in json.dumps(data["calls"]), data["calls"])

    # names a hand-written rules file decides otherwise are left out
    curated = os.path.join(tmp, "curated.json")
    with open(curated, "w") as f:
        json.dump({"returns": {"asyncio.FastRunner": "asyncio.Runner", "asyncio.locks.Lock": "asyncio.Lock",
                               "asyncio.gather": "asyncio.Task"},
                   "calls": {"not_coroutine": ["asyncio.sleep"], "coroutine": ["asyncio.Lock.acquire"]}}, f)
    rc, stdout, err = run("typeshed", stubs, "--defer-to", curated)
    data = json.loads(stdout) if rc == 0 else {"returns": {}, "calls": {"coroutine": []}}
    check("--defer-to drops a disagreeing type", "asyncio.gather" not in data["returns"], err)
    check("--defer-to: the curated type stands", data["returns"].get("asyncio.FastRunner", "asyncio.Runner") == "asyncio.Runner", err)
    check("--defer-to keeps an agreeing type", data["returns"].get("asyncio.locks.Lock") == "asyncio.Lock", err)
    check("--defer-to drops a disagreeing call", "asyncio.sleep" not in data["calls"]["coroutine"], err)
    check("--defer-to keeps an agreeing call", "asyncio.Lock.acquire" in data["calls"]["coroutine"], err)
    check("--defer-to names types its way", data["returns"].get("asyncio.FastRunner.clone") == "asyncio.Runner"
          and data["returns"].get("asyncio.tasks.FastRunner") == "asyncio.Runner", json.dumps(data["returns"], indent=1))
    check("--defer-to counts", "2 deferred, 2 renamed" in err, err)

    # errors
    missing = os.path.join(tmp, "nope")
    rc, _, err = run("typeshed", missing, "--out", os.path.join(tmp, "x.json"))
    check("missing STUBS_DIR: exit 2", rc == 2, f"rc={rc}")
    check("missing STUBS_DIR: message", missing in err and "No such file or directory" in err, err)
    check("missing STUBS_DIR: nothing written", not os.path.exists(os.path.join(tmp, "x.json")), "")
    rc, _, err = run("typeshed", tmp)
    check("not a typeshed folder: exit 2", rc == 2 and "not a typeshed folder" in err, f"rc={rc} {err}")
    rc, _, err = run("typeshed")
    check("no STUBS_DIR: exit 2", rc == 2 and "Usage" in err, f"rc={rc} {err}")
    rc, _, err = run("typeshed", stubs, "--bogus")
    check("unknown option: exit 2", rc == 2 and "--bogus" in err, f"rc={rc} {err}")

# Types: generic arguments, Self per subclass, $N through generic bases, Optional, overloads,
# private classes, bases, and trimming to what leads to a blocking call or a coroutine.
TYPED = {
    "stdlib/typing.pyi": """
        _T_co = TypeVar("_T_co", covariant=True)
        _S = TypeVar("_S", default=None)
        _R = TypeVar("_R", default=None)
        Protocol: _SpecialForm
        Generic: _SpecialForm
        Optional: _SpecialForm
        AnyStr = TypeVar("AnyStr", str, bytes)
        List = _Alias()
        class Iterable(Protocol[_T_co]):
            def __iter__(self) -> Iterator[_T_co]: ...
        class Iterator(Iterable[_T_co], Protocol[_T_co]):
            def __next__(self) -> _T_co: ...
        class Generator(Iterator[_T_co], Protocol[_T_co, _S, _R]):
            def close(self) -> None: ...
        class Sequence(Protocol[_T_co]):
            def __getitem__(self, i: int) -> _T_co: ...
        class ValuesView(Protocol[_T_co]):
            def __iter__(self) -> Iterator[_T_co]: ...
        class Coroutine(Generic[_T_co, _S, _R]): ...
    """,
    "stdlib/_collections_abc.pyi": """
        from typing import Generic, TypeVar, ValuesView
        _KT_co = TypeVar("_KT_co", covariant=True)
        _VT_co = TypeVar("_VT_co", covariant=True)
        class dict_values(ValuesView[_VT_co], Generic[_KT_co, _VT_co]):
            def mapping(self) -> int: ...
    """,
    "stdlib/builtins.pyi": """
        from typing import Generic, Iterator, List, TypeVar, overload
        from typing_extensions import Self
        from _collections_abc import dict_values
        from io import BufferedReader, TextIOWrapper
        _T = TypeVar("_T")
        _KT = TypeVar("_KT")
        _VT = TypeVar("_VT")
        class object: ...
        class int: ...
        class str: ...
        class bytes: ...
        class BaseException:
            def with_traceback(self, tb: object) -> Self: ...
        class Exception(BaseException): ...
        class list(Generic[_T]):
            @overload
            def __getitem__(self, i: int) -> _T: ...
            @overload
            def __getitem__(self, s: slice) -> list[_T]: ...
            def __iter__(self) -> Iterator[_T]: ...
            def copy(self) -> List[_T]: ...
            def count(self, x: _T) -> int: ...
        class dict(Generic[_KT, _VT]):
            def values(self) -> dict_values[_KT, _VT]: ...
            @overload
            def get(self, key: _KT, default: None = None, /) -> _VT | None: ...
            @overload
            def get(self, key: _KT, default: _T, /) -> _VT | _T: ...
            def __getitem__(self, key: _KT) -> _VT: ...
        @overload
        def open(file: str, mode: str = "r") -> TextIOWrapper: ...
        @overload
        def open(file: str, mode: str, buffering: int) -> BufferedReader: ...
    """,
    "stdlib/io.pyi": """
        class TextIOWrapper:
            def read(self) -> str: ...
        class BufferedReader:
            def read(self) -> bytes: ...
    """,
    "stdlib/os.pyi": """
        from typing import AnyStr, Generic, TypeVar, overload
        from typing_extensions import Self
        _S = TypeVar("_S")
        class DirEntry(Generic[AnyStr]):
            path: AnyStr
            def stat(self) -> int: ...
        class _ScandirIterator(Generic[AnyStr]):
            def __iter__(self) -> Self: ...
            def __next__(self) -> DirEntry[AnyStr]: ...
            def __enter__(self: _S) -> _S: ...
        @overload
        def scandir(path: None = None) -> _ScandirIterator[str]: ...
        @overload
        def scandir(path: AnyStr) -> _ScandirIterator[AnyStr]: ...
    """,
    "stdlib/pathlib.pyi": """
        from typing import Generator, Optional, Sequence
        from typing_extensions import Self
        class PurePath:
            def __truediv__(self, key: str) -> Self: ...
            @property
            def parent(self) -> Self: ...
            @property
            def parents(self) -> Sequence[Self]: ...
            def with_name(self, name: str) -> Self: ...
        class PurePosixPath(PurePath): ...
        class Path(PurePath):
            def iterdir(self) -> Generator[Self]: ...
            def exists(self) -> bool: ...
            def owner_dir(self) -> Optional[Path]: ...
            def other(self) -> Path | None: ...
        class PosixPath(Path, PurePosixPath): ...
    """,
    "stdlib/asyncio/__init__.pyi": """
        class StreamReader:
            async def read(self) -> bytes: ...
        async def open_reader(host: str) -> StreamReader: ...
        async def nothing() -> int: ...
    """,
    "stubs/clientlib/clientlib/__init__.pyi": """
        class Client:
            def fetch(self) -> Item: ...
            @property
            def items(self) -> ItemCollection: ...
        class ItemCollection:
            client: Client
            def get(self, key: str) -> Item | None: ...
        class Item:
            name: str
            def list(self) -> list[Item]: ...
        class ClientError(Exception):
            client: Client
        class Unrelated:
            def value(self) -> int: ...
        def connect() -> Client: ...
        def unrelated() -> Unrelated: ...
    """,
}

TYPED_BLOCKING = {
    "categories": {"file": "LOOP104", "other": "LOOP106"},
    "blocking": [{"name": "pathlib.Path.exists", "category": "file"}, {"name": "os.DirEntry.stat", "category": "file"},
                 {"name": "io.TextIOWrapper.read", "category": "file"}],
    "sync_clients": [{"name": "clientlib.Client", "category": "other"}],
}

with tempfile.TemporaryDirectory() as tmp:
    stubs = os.path.join(tmp, "typeshed")
    for rel, text in TYPED.items():
        path = os.path.join(stubs, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text).lstrip("\n"))
    blocking = os.path.join(tmp, "blocking.json")
    with open(blocking, "w") as f:
        json.dump(TYPED_BLOCKING, f)
    rc, stdout, err = run("typeshed", stubs, "--blocking", blocking)
    data = json.loads(stdout) if rc == 0 else {"returns": {}, "bases": {}}
    returns, bases = data["returns"], data["bases"]
    want = {
        # generic arguments, TypeVar defaults filled in, Self per class
        "pathlib.Path.iterdir": "typing.Generator[pathlib.Path, None, None]",
        "pathlib.Path.__truediv__": "pathlib.Path",
        "pathlib.Path.parent": "pathlib.Path",
        "pathlib.Path.parents": "typing.Sequence[pathlib.Path]",
        "pathlib.PosixPath.parent": "pathlib.PosixPath",
        "pathlib.PosixPath.iterdir": "typing.Generator[pathlib.PosixPath, None, None]",
        # Optional[X] and X | None are X
        "pathlib.Path.owner_dir": "pathlib.Path",
        "pathlib.Path.other": "pathlib.Path",
        # $N: the receiver class's own type parameters, mapped through generic bases
        "builtins.dict.values": "builtins.dict_values[$0, $1]",
        "builtins.dict_values.__iter__": "typing.Iterator[$1]",
        "builtins.dict.get": "$1",
        "builtins.dict.__getitem__": "$1",
        "builtins.list.__getitem__": "$0",
        "builtins.list.__iter__": "typing.Iterator[$0]",
        "builtins.list.copy": "builtins.list[$0]",
        "typing.Iterator.__next__": "$0",
        "typing.Iterator.__iter__": "typing.Iterator[$0]",
        # overloads that disagree: the call with the fewest arguments
        "builtins.open": "io.TextIOWrapper",
        # a private class under its defining name; an old-style self TypeVar is Self
        "os.scandir": "os._ScandirIterator[builtins.str]",
        "os._ScandirIterator.__next__": "os.DirEntry[$0]",
        "os._ScandirIterator.__iter__": "os._ScandirIterator[$0]",
        "os._ScandirIterator.__enter__": "os._ScandirIterator[$0]",
        "os.DirEntry.path": "$0",
        # calling an async def gives a coroutine of what awaiting it gives
        "asyncio.open_reader": "typing.Coroutine[typing.Any, typing.Any, asyncio.StreamReader]",
        # sync clients and what leads to them (a fixpoint through attributes)
        "clientlib.connect": "clientlib.Client",
        "clientlib.Client.items": "clientlib.ItemCollection",
        "clientlib.ItemCollection.client": "clientlib.Client",
    }
    for k, v in want.items():
        check(f"typed: {k} -> {v}", returns.get(k) == v, f"got {returns.get(k)!r}")
    for k in ("clientlib.Client.fetch", "clientlib.ItemCollection.get", "clientlib.unrelated", "clientlib.Item.list",
              "builtins.list.count", "asyncio.nothing", "pathlib.PurePath.parent", "pathlib.Path.with_name.x",
              "builtins.Exception.with_traceback", "clientlib.ClientError.client", "builtins.dict_values.mapping"):
        check(f"typed: {k} trimmed (leads nowhere)", k not in returns, f"got {returns.get(k)!r}")
    check("typed: a method keeps Self per class", returns.get("pathlib.Path.with_name") == "pathlib.Path",
          f"got {returns.get('pathlib.Path.with_name')!r}")
    check("typed: no identity constructor entries", all(k != v for k, v in returns.items()),
          [k for k, v in returns.items() if k == v])
    want_bases = {
        "pathlib.Path": ["pathlib.PurePath"],
        "pathlib.PosixPath": ["pathlib.Path", "pathlib.PurePosixPath"],
        "builtins.dict_values": ["typing.ValuesView"],
        "typing.Iterator": ["typing.Iterable"],
        "os._ScandirIterator": [],
        "os.DirEntry": [],
        "clientlib.Client": [],
        "clientlib.ItemCollection": [],
        "asyncio.StreamReader": [],
        "io.TextIOWrapper": [],
    }
    for k, v in want_bases.items():
        check(f"typed: bases of {k}", bases.get(k) == v, f"got {bases.get(k)!r}")
    for k in ("pathlib.PurePath", "clientlib.Unrelated", "clientlib.Item", "clientlib.ClientError", "io.BufferedReader",
              "builtins.BaseException", "builtins.str"):
        check(f"typed: {k} is not kept", k not in bases, f"got {bases.get(k)!r}")
    check("typed: sorted", list(returns) == sorted(returns) and list(bases) == sorted(bases), "")
    # without the blocking data only coroutines and containers are kept
    rc, stdout, _ = run("typeshed", stubs)
    bare = json.loads(stdout) if rc == 0 else {"returns": {}, "bases": {}}
    check("typed: without --blocking, Path leads nowhere", "pathlib.Path" not in bare["bases"]
          and "asyncio.StreamReader" in bare["bases"] and "builtins.list" in bare["bases"], json.dumps(bare["bases"]))
    rc, _, err = run("typeshed", stubs, "--blocking", os.path.join(tmp, "missing.json"))
    check("--blocking missing file: exit 2", rc == 2 and "missing.json" in err, f"rc={rc} {err}")

# the generated data, as committed
path = os.path.join(ROOT, "rules", "typeshed.json")
check("rules/typeshed.json exists", os.path.exists(path), path)
try:
    data = json.loads(read(path))
except (OSError, ValueError) as ex:
    data = {}
    check("rules/typeshed.json parses", False, str(ex))
calls = data.get("calls", {})
coroutine, awaitable = set(calls.get("coroutine", [])), set(calls.get("awaitable", []))
check("source recorded", str(data.get("source", "")).startswith("pyright@"), data.get("source"))
for name in ("asyncio.sleep", "asyncio.tasks.sleep", "asyncio.Lock.acquire", "asyncio.Queue.get",
             "asyncio.PriorityQueue.get", "asyncio.StreamReader.read", "asyncio.wait_for"):
    check(f"{name} is a coroutine", name in coroutine, "")
for name in ("asyncio.create_task", "asyncio.gather", "asyncio.ensure_future", "asyncio.shield",
             "asyncio.AbstractEventLoop.run_in_executor"):
    check(f"{name} is awaitable", name in awaitable, "")
check("asyncio.run is not a coroutine", "asyncio.run" not in coroutine and "asyncio.run" not in awaitable, "")
check("asyncio.create_task is not a coroutine", "asyncio.create_task" not in coroutine, "")
check("asyncio.run_coroutine_threadsafe is not awaitable (a concurrent future)",
      "asyncio.run_coroutine_threadsafe" not in awaitable, "")
returns = data.get("returns", {})
check("asyncio.Lock is a class", "asyncio.Lock" in data.get("bases", {}), "")
with open(os.path.join(ROOT, "rules", "types.json")) as f:
    curated_returns = json.load(f).get("returns", {})
for name, want in (("pathlib.Path.iterdir", "typing.Generator[pathlib.Path, None, None]"),
                   ("pathlib.Path.__truediv__", "pathlib.Path"), ("pathlib.Path.parents", "typing.Sequence[pathlib.Path]"),
                   ("builtins.dict.values", "builtins.dict_values[$0, $1]"),
                   ("builtins.dict_values.__iter__", "typing.Iterator[$1]"), ("builtins.list.__getitem__", "$0"),
                   ("typing.Iterator.__next__", "$0"), ("builtins.open", "io.TextIOWrapper"),
                   ("os._ScandirIterator.__next__", "os.DirEntry[$0]"),
                   ("docker.DockerClient.containers", "docker.models.containers.ContainerCollection")):
    # an entry the curated types.json decides is left out of the generated file (it would lose)
    check(f"{name} -> {want}", returns.get(name) == want or name in curated_returns, returns.get(name))
check("asyncio.get_running_loop types the loop",
      returns.get("asyncio.get_running_loop") == "asyncio.AbstractEventLoop", returns.get("asyncio.get_running_loop"))
check("sorted", calls.get("coroutine") == sorted(coroutine) and list(returns) == sorted(returns)
      and list(data.get("bases", {})) == sorted(data.get("bases", {})), "")

# sync clients and their async twins (rules/blocking.json, rules/coroutines.json)
with open(os.path.join(ROOT, "rules", "blocking.json")) as f:
    sync_clients = json.load(f).get("sync_clients", [])
with open(os.path.join(ROOT, "rules", "coroutines.json")) as f:
    twins = json.load(f)["calls"]["coroutine"]


def sync_client_for(cls):
    """The sync_clients entry matching a class, as ll_ruledb_sync_client matches: exact, or a module prefix."""
    hits = [e for e in sync_clients if cls == e["name"] or (e.get("module") and cls.startswith(e["name"] + "."))]
    return max(hits, key=lambda e: len(e["name"])) if hits else None


for cls in ("docker.DockerClient", "docker.models.resource.Collection", "git.Repo", "pulsectl.Pulse", "paramiko.SSHClient",
            "paramiko.SFTPClient", "serial.Serial", "smbus2.SMBus", "redis.Redis", "redis.StrictRedis",
            "psycopg2.extensions.connection", "pymysql.Connection", "pymodbus.client.ModbusTcpClient",
            "pymodbus.client.ModbusSerialClient", "pika.BlockingConnection", "kafka.KafkaConsumer", "kafka.KafkaProducer",
            "pexpect.spawn", "requests.Session"):
    check(f"sync client: {cls}", sync_client_for(cls) is not None, "")
check("sync client: serial.Serial() opens the port", (sync_client_for("serial.Serial") or {}).get("constructor") is True, "")
check("sync client: git.Repo(path) reads the repository", (sync_client_for("git.Repo") or {}).get("constructor") is True, "")
check("sync client: a docker collection's prepare_model is local",
      "prepare_model" in (sync_client_for("docker.models.resource.Collection") or {}).get("except", []), "")
for cls in ("redis.asyncio.Redis", "redis.asyncio.client.Redis", "aiomysql.Connection", "anyio.Path", "trio.Path",
            "aiopath.AsyncPath", "asyncssh.SSHClientConnection", "aiodocker.Docker", "aiofiles.threadpool.text.AsyncTextIOWrapper",
            "pymodbus.client.AsyncModbusTcpClient", "pymodbus.client.AsyncModbusSerialClient", "gitdb.GitDB",
            "pulsectl_asyncio.PulseAsync"):
    check(f"async twin {cls} is no sync client", sync_client_for(cls) is None, sync_client_for(cls))
for name in ("redis.asyncio.Redis.get", "aiomysql.connect", "aiomysql.Cursor.execute", "anyio.Path.exists", "trio.Path.read_text",
             "aiopath.AsyncPath.is_file", "asyncssh.connect", "aiodocker.containers.DockerContainers.list",
             "pymodbus.client.AsyncModbusTcpClient.connect"):
    check(f"async twin {name} is a coroutine", name in twins or name in coroutine, "")

# the engine loads it alongside the other rules files
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "ok.py")
    with open(src, "w") as f:
        f.write("import asyncio\n\nasync def main():\n    lock = asyncio.Lock()\n    await lock.acquire()\n")
    rc, out, err = run("check", "--no-cache", src)
    check("check runs with the typeshed data", rc == 0, f"rc={rc} {out} {err}")

finish()
