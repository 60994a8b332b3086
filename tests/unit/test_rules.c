/* test_rules.c: LOOP107, LOOP120, LOOP205, LOOP301, LOOP401-404 and LOOP501-505 on small sources, with the project's real
 * rules data (LOOPLINT_DATA points at the source tree when ctest runs this). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules/engine.h"

typedef struct env {
  ll_ruledb db;
  ll_linter linter;
  TSParser *parser;
} env;

static int setup(void **state) {
  env *e = calloc(1, sizeof *e);
  char dir[4096], err[512];
  const char *data = getenv("LOOPLINT_DATA");
  snprintf(dir, sizeof dir, "%s/rules", data ? data : ".");
  ll_ruledb_init(&e->db);
  if (ll_ruledb_load_dir(&e->db, dir, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  ll_settings s = {.ha_mode = -1};
  ll_linter_init(&e->linter, &e->db, &s);
  e->parser = ts_parser_new();
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env *e = *state;
  ts_parser_delete(e->parser);
  ll_linter_free(&e->linter);
  ll_ruledb_free(&e->db);
  free(e);
  return 0;
}

/* "CODE@row ..." for the findings of codes starting with prefix. */
static const char *codes(void **state, const char *prefix, const char *code, char *buf, size_t size) {
  env *e = *state;
  ll_findings out;
  ll_findings_init(&out);
  ll_source src;
  ll_source_from_buffer(&src, "t.py", code, strlen(code));
  ll_lint_source(&e->linter, e->parser, &src, &out, NULL);
  ll_source_free(&src);
  ll_findings_sort(&out);
  buf[0] = 0;
  size_t n = 0;
  for (size_t i = 0; i < out.v.len; i++)
    if (strncmp(out.v.items[i].code, prefix, strlen(prefix)) == 0)
      n += (size_t)snprintf(buf + n, size - n, "%s%s@%u", n ? " " : "", out.v.items[i].code, out.v.items[i].start.row);
  ll_findings_free(&out);
  return buf;
}

#define C(prefix, src) codes(state, prefix, src, buf, sizeof buf)

static void dangling_tasks(void **state) {
  char buf[256];
  assert_string_equal(C("LOOP3", "import asyncio\nasync def f(c):\n    asyncio.create_task(c)\n"), "LOOP301@3");
  assert_string_equal(C("LOOP3", "import asyncio\nasync def f(c):\n    t = asyncio.create_task(c)\n"), "LOOP301@3");
  assert_string_equal(C("LOOP3", "import asyncio\nasync def f(c):\n    _ = asyncio.ensure_future(c)\n"), "LOOP301@3");
  assert_string_equal(C("LOOP3", "import asyncio\nasync def f(c):\n    t = asyncio.create_task(c)\n    await t\n"), "");
  assert_string_equal(C("LOOP3", "import asyncio\nclass A:\n    async def f(self, c):\n        self.t = asyncio.create_task(c)\n"), "");
  assert_string_equal(C("LOOP3", "import asyncio\nasync def f(c):\n    async with asyncio.TaskGroup() as tg:\n        tg.create_task(c)\n"), "");
  assert_string_equal(C("LOOP3", "import asyncio\nasync def f(c):\n    return asyncio.create_task(c)\n"), "");
  assert_string_equal(C("LOOP3", "async def f(self, c):\n    self._loop.create_task(c)\n"), "LOOP301@2");
}

static void tasks_in_expressions(void **state) {
  char buf[256];
  const char *head = "import asyncio\nasync def f(cs, x):\n";
  char src[512];
#define T(body) (snprintf(src, sizeof src, "%s%s", head, body), C("LOOP3", src))
  assert_string_equal(T("    [asyncio.create_task(c) for c in cs]\n"), "LOOP301@3");
  assert_string_equal(T("    (asyncio.create_task(c) for c in cs)\n"), "LOOP301@3");
  assert_string_equal(T("    (asyncio.create_task(cs[0]), asyncio.create_task(cs[1]))\n"), "LOOP301@3 LOOP301@3");
  assert_string_equal(T("    asyncio.create_task(cs[0]) if x else None\n"), "LOOP301@3");
  assert_string_equal(T("    with asyncio.create_task(cs[0]) as t:\n        pass\n"), "LOOP301@3");
  /* kept, passed on, or not the element: silent */
  assert_string_equal(T("    ts = [asyncio.create_task(c) for c in cs]\n    return ts\n"), "");
  assert_string_equal(T("    await asyncio.gather(*[asyncio.create_task(c) for c in cs])\n"), "");
  assert_string_equal(T("    [keep(asyncio.create_task(c)) for c in cs]\n"), "");
  assert_string_equal(T("    [c for c in cs if asyncio.create_task(c)]\n"), "");
  assert_string_equal(T("    x if asyncio.create_task(cs[0]) else None\n"), "");
  assert_string_equal(T("    async with asyncio.TaskGroup() as tg:\n        [tg.create_task(c) for c in cs]\n"), "");
#undef T
}

static void cached_coroutines(void **state) {
  char buf[256];
  assert_string_equal(C("LOOP2", "import functools\n@functools.lru_cache(maxsize=2)\nasync def f(x):\n    return x\n"), "LOOP205@2");
  assert_string_equal(C("LOOP2", "from functools import cache as memo\n@memo\nasync def f():\n    return 1\n"), "LOOP205@2");
  assert_string_equal(C("LOOP2", "from functools import cached_property\nclass A:\n    @cached_property\n    async def p(self):\n        return 1\n"), "LOOP205@3");
  assert_string_equal(C("LOOP2", "import functools\nclass A:\n    @staticmethod\n    @functools.cache\n    async def v():\n        return 1\n"), "LOOP205@4");
  /* sync function, async-aware cache, unknown decorator below, a local named cache */
  assert_string_equal(C("LOOP2", "import functools\n@functools.lru_cache\ndef f(x):\n    return x\n"), "");
  assert_string_equal(C("LOOP2", "from async_lru import alru_cache\n@alru_cache\nasync def f(x):\n    return x\n"), "");
  assert_string_equal(C("LOOP2", "import functools\nfrom x import wrap\n@functools.cache\n@wrap\nasync def f():\n    return 1\n"), "");
  assert_string_equal(C("LOOP2", "def cache(f):\n    return f\n@cache\nasync def f():\n    return 1\n"), "");
  assert_string_equal(C("LOOP2", "from cached_property import cached_property\nclass A:\n    @cached_property\n    async def p(self):\n        return 1\n"), "");
}

static void thread_locks(void **state) {
  char buf[256];
  const char *cls = "import threading, asyncio\nclass A:\n    def __init__(self):\n        self._l = threading.Lock()\n"
                    "        self._a = asyncio.Lock()\n";
  char src[768];
#define T(body) (snprintf(src, sizeof src, "%s%s", cls, body), C("LOOP107", src))
  assert_string_equal(T("    async def f(self):\n        with self._l:\n            pass\n"), "LOOP107@7");
  assert_string_equal(T("    async def f(self):\n        self._l.acquire()\n"), "LOOP107@7");
  assert_string_equal(T("    async def f(self):\n        self._l.acquire(timeout=2)\n"), "LOOP107@7");
  assert_string_equal(T("    async def f(self):\n        self._l.acquire(blocking=False)\n        self._l.acquire(False)\n"
                        "        self._l.acquire(True, 0)\n"), "");
  assert_string_equal(T("    async def f(self):\n        async with self._a:\n            pass\n"), "");
  assert_string_equal(T("    def f(self):\n        with self._l:\n            pass\n"), "");
  assert_string_equal(T("    async def f(self):\n        def g():\n            with self._l:\n                pass\n"), "");
  assert_string_equal(T("    async def f(self, other):\n        with other._l:\n            pass\n"), "");
#undef T
  assert_string_equal(C("LOOP107", "import threading\nasync def f(lock: threading.RLock):\n    with lock:\n        pass\n"), "LOOP107@3");
  assert_string_equal(C("LOOP107", "import threading\nL = threading.Semaphore(2)\nasync def f():\n    with L:\n        pass\n"), "LOOP107@4");
}

static void polling_loops(void **state) {
  char buf[256];
  const char *cls = "import asyncio, logging, time\nlog = logging.getLogger()\nclass A:\n    def on(self):\n"
                    "        self._ok = True\n";
  char src[768];
#define T(body) (snprintf(src, sizeof src, "%s%s", cls, body), C("LOOP120", src))
  assert_string_equal(T("    async def w(self):\n        while not self._ok:\n            await asyncio.sleep(1)\n"), "LOOP120@7");
  assert_string_equal(T("    async def w(self, n=0):\n        while not self._ok:\n            log.debug('x')\n"
                        "            await asyncio.sleep(1)\n            n += 1\n            if n > 9:\n                break\n"),
                      "LOOP120@7");
  /* bookkeeping, but the state is set nowhere else in the file */
  assert_string_equal(T("    async def w(self, n=0):\n        while not self._other:\n            await asyncio.sleep(1)\n"
                        "            n += 1\n"), "");
  assert_string_equal(T("    async def w(self):\n        while True:\n            await asyncio.sleep(1)\n"), "");
  assert_string_equal(T("    async def w(self):\n        while not await self.ready():\n            await asyncio.sleep(1)\n"), "");
  assert_string_equal(T("    async def w(self):\n        while self.status() != 1:\n            await asyncio.sleep(1)\n"), "");
  assert_string_equal(T("    async def w(self, end):\n        while time.monotonic() < end:\n            await asyncio.sleep(1)\n"), "");
  assert_string_equal(T("    async def w(self):\n        while self._ok:\n            await self.refresh()\n"
                        "            await asyncio.sleep(30)\n"), "");
#undef T
  assert_string_equal(C("LOOP120", "import asyncio\nasync def w(f: asyncio.Future):\n    while not f.done():\n        await asyncio.sleep(0)\n"), "LOOP120@3");
}

static void cancellation(void **state) {
  char buf[256];
  const char *swallow = "import asyncio\nasync def f():\n    try:\n        await asyncio.sleep(1)\n    except asyncio.CancelledError:\n        pass\n";
  assert_string_equal(C("LOOP4", swallow), "LOOP401@5");
  assert_string_equal(C("LOOP4", "import asyncio\nasync def f():\n    try:\n        await asyncio.sleep(1)\n    except asyncio.CancelledError:\n        raise\n"), "");
  /* no await in the try: nothing can be cancelled there */
  assert_string_equal(C("LOOP4", "import asyncio\nasync def f():\n    try:\n        x = 1\n    except asyncio.CancelledError:\n        pass\n"), "");
  /* shutdown idiom */
  assert_string_equal(C("LOOP4", "import asyncio\nasync def f(t):\n    t.cancel()\n    try:\n        await t\n    except asyncio.CancelledError:\n        pass\n"), "");
  /* alias import, tuple */
  assert_string_equal(C("LOOP4", "import asyncio\nfrom asyncio import CancelledError as CE\nasync def f():\n    try:\n        await asyncio.sleep(1)\n    except (ValueError, CE):\n        pass\n"), "LOOP401@6");
  assert_string_equal(C("LOOP4", "import asyncio\nasync def f():\n    try:\n        await asyncio.sleep(1)\n    except:\n        pass\n"), "LOOP402@5");
  assert_string_equal(C("LOOP4", "import asyncio\nasync def f():\n    try:\n        await asyncio.sleep(1)\n    except BaseException:\n        log()\n"), "LOOP402@5");
  assert_string_equal(C("LOOP4", "import asyncio\nasync def f():\n    try:\n        await asyncio.sleep(1)\n    except Exception:\n        pass\n"), "");
  assert_string_equal(C("LOOP4", "import asyncio, contextlib\nasync def f():\n    with contextlib.suppress(BaseException):\n        await asyncio.sleep(1)\n"), "LOOP402@3");
  assert_string_equal(C("LOOP4", "import asyncio\nasync def f():\n    try:\n        await asyncio.sleep(1)\n    finally:\n        return 1\n"), "LOOP403@6");
  assert_string_equal(C("LOOP4", "import asyncio\nasync def f(xs):\n    try:\n        await asyncio.sleep(1)\n    finally:\n        for x in xs:\n            break\n"), "");
  assert_string_equal(C("LOOP4", "import asyncio\nclass A:\n    def __init__(self):\n        self._t = asyncio.create_task(g())\n"
                                 "    async def stop(self):\n        self._t.cancel()\n"),
                      "LOOP404@6");
  assert_string_equal(C("LOOP4", "import asyncio\nclass A:\n    def __init__(self):\n        self._t = asyncio.create_task(g())\n"
                                 "    async def stop(self):\n        self._t.cancel()\n        await asyncio.gather(self._t, return_exceptions=True)\n"),
                      "");
}

static void loop_apis(void **state) {
  char buf[256];
  assert_string_equal(C("LOOP5", "import aiohttp\nfrom homeassistant.core import HomeAssistant\nasync def f(hass: HomeAssistant):\n    s = aiohttp.ClientSession()\n"), "LOOP501@4");
  assert_string_equal(C("LOOP5", "import aiohttp\nasync def main():\n    async with aiohttp.ClientSession() as s:\n        pass\n"), "");
  assert_string_equal(C("LOOP5", "import aiohttp\nclass Api:\n    async def get(self):\n        async with aiohttp.ClientSession() as s:\n            pass\n"), "LOOP501@4");
  assert_string_equal(C("LOOP5", "import asyncio\nimport homeassistant\nasync def f(c):\n    self_task = asyncio.create_task(c)\n    return self_task\n"), "LOOP502@4");
  assert_string_equal(C("LOOP5", "import asyncio\nasync def f(c):\n    asyncio.run(c)\n"), "LOOP503@3");
  assert_string_equal(C("LOOP5", "import asyncio\ndef worker(c):\n    asyncio.run(c)\n"), "");
  assert_string_equal(C("LOOP5", "import asyncio, time\nasync def f():\n    await asyncio.to_thread(time.sleep(1))\n"), "LOOP504@3");
  assert_string_equal(C("LOOP5", "import asyncio, functools, time\nasync def f():\n    await asyncio.to_thread(functools.partial(time.sleep, 1))\n"), "");
  assert_string_equal(C("LOOP5", "import asyncio\nasync def f():\n    return asyncio.get_event_loop()\n"), "LOOP505@3");
  assert_string_equal(C("LOOP5", "from homeassistant.core import HomeAssistant\ndef f(hass: HomeAssistant, j):\n    hass.async_add_job(j)\n"), "LOOP505@3");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(dangling_tasks, setup, teardown),
      cmocka_unit_test_setup_teardown(tasks_in_expressions, setup, teardown),
      cmocka_unit_test_setup_teardown(cached_coroutines, setup, teardown),
      cmocka_unit_test_setup_teardown(thread_locks, setup, teardown),
      cmocka_unit_test_setup_teardown(polling_loops, setup, teardown),
      cmocka_unit_test_setup_teardown(cancellation, setup, teardown),
      cmocka_unit_test_setup_teardown(loop_apis, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
