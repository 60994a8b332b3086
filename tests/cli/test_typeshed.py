"""`looplint typeshed STUBS_DIR`: the facts it reads from a small fake typeshed (exact output),
its errors, and the generated rules/typeshed.json the engine loads."""
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
    "asyncio.FastRunner": "asyncio.FastRunner",
    "asyncio.FastRunner.clone": "asyncio.FastRunner",
    "asyncio.FastRunner.loop": "asyncio.Runner",
    "asyncio.Future": "asyncio.Future",
    "asyncio.Lock": "asyncio.Lock",
    "asyncio.Runner": "asyncio.Runner",
    "asyncio.Runner.clone": "asyncio.Runner",
    "asyncio.Runner.loop": "asyncio.Runner",
    "asyncio.Task": "asyncio.Task",
    "asyncio.create_task": "asyncio.Task",
    "asyncio.futures.Future": "asyncio.Future",
    "asyncio.gather": "asyncio.Future",
    "asyncio.locks.Lock": "asyncio.Lock",
    "asyncio.tasks.FastRunner": "asyncio.FastRunner",
    "asyncio.tasks.FastRunner.clone": "asyncio.FastRunner",
    "asyncio.tasks.FastRunner.loop": "asyncio.Runner",
    "asyncio.tasks.Runner": "asyncio.Runner",
    "asyncio.tasks.Runner.clone": "asyncio.Runner",
    "asyncio.tasks.Runner.loop": "asyncio.Runner",
    "asyncio.tasks.Task": "asyncio.Task",
    "asyncio.tasks.create_task": "asyncio.Task",
    "asyncio.tasks.gather": "asyncio.Future"
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

    # third-party types are kept only for distributions with coroutines, unless asked
    rc, stdout, _ = run("typeshed", stubs, "--all-returns")
    data = json.loads(stdout) if rc == 0 else {"returns": {}}
    want = {"requests.Response": "requests.Response", "requests.models.Response": "requests.Response",
            "requests.get": "requests.Response", "requests.api.get": "requests.Response"}
    check("--all-returns keeps requests types", all(data["returns"].get(k) == v for k, v in want.items()),
          json.dumps(data["returns"], indent=1))
    check("requests.get is not a coroutine", "requests.get" not in json.dumps(data["calls"]), data["calls"])

    # names a hand-written rules file decides otherwise are left out
    curated = os.path.join(tmp, "curated.json")
    with open(curated, "w") as f:
        json.dump({"returns": {"asyncio.FastRunner": "asyncio.Runner", "asyncio.Lock": "asyncio.Lock",
                               "asyncio.gather": "asyncio.Task"},
                   "calls": {"not_coroutine": ["asyncio.sleep"], "coroutine": ["asyncio.Lock.acquire"]}}, f)
    rc, stdout, err = run("typeshed", stubs, "--defer-to", curated)
    data = json.loads(stdout) if rc == 0 else {"returns": {}, "calls": {"coroutine": []}}
    check("--defer-to drops a disagreeing type", "asyncio.gather" not in data["returns"], err)
    check("--defer-to: the curated type stands", data["returns"].get("asyncio.FastRunner") == "asyncio.Runner", err)
    check("--defer-to keeps an agreeing type", data["returns"].get("asyncio.Lock") == "asyncio.Lock", err)
    check("--defer-to drops a disagreeing call", "asyncio.sleep" not in data["calls"]["coroutine"], err)
    check("--defer-to keeps an agreeing call", "asyncio.Lock.acquire" in data["calls"]["coroutine"], err)
    check("--defer-to names types its way", data["returns"].get("asyncio.FastRunner.clone") == "asyncio.Runner"
          and data["returns"].get("asyncio.tasks.FastRunner") == "asyncio.Runner", json.dumps(data["returns"], indent=1))
    check("--defer-to counts", "2 deferred, 4 renamed" in err, err)

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
check("asyncio.Lock types itself", returns.get("asyncio.Lock") == "asyncio.Lock", returns.get("asyncio.Lock"))
check("asyncio.get_running_loop types the loop",
      returns.get("asyncio.get_running_loop") == "asyncio.AbstractEventLoop", returns.get("asyncio.get_running_loop"))
check("sorted", calls.get("coroutine") == sorted(coroutine) and list(returns) == sorted(returns), "")

# the engine loads it alongside the other rules files
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "ok.py")
    with open(src, "w") as f:
        f.write("import asyncio\n\nasync def main():\n    lock = asyncio.Lock()\n    await lock.acquire()\n")
    rc, out, err = run("check", "--no-cache", src)
    check("check runs with the typeshed data", rc == 0, f"rc={rc} {out} {err}")

finish()
