/* test_newrules.c: LOOP206 (coroutine functions handed to APIs that call them without
 * awaiting) and LOOP207 (async tests that never run), which the project pass decides: files
 * linted from buffers with module names given, as the batch driver does, with the project's
 * real rules data (LOOPLINT_DATA points at the source tree when ctest runs this). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "model/facts.h"
#include "model/project.h"
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

typedef struct file_spec {
  const char *path, *module, *code;
} file_spec;

/* Lints the files, runs the project pass; returns "CODE@file:row ..." (sorted) for the codes
 * starting with prefix, file-local findings included. */
static const char *project_codes(void **state, const char *prefix, const file_spec *files, size_t n, char *buf,
                                 size_t size) {
  env *e = *state;
  ll_file_facts facts[8];
  ll_findings out;
  ll_findings_init(&out);
  for (size_t i = 0; i < n; i++) {
    ll_facts_init(&facts[i]);
    ll_source src;
    ll_source_from_buffer(&src, files[i].path, files[i].code, strlen(files[i].code));
    src.module = files[i].module;
    ll_lint_source(&e->linter, e->parser, &src, &out, &facts[i]);
    ll_source_free(&src);
  }
  ll_project p;
  ll_project_build(&p, facts, n, &e->db);
  ll_project_check(&p, &out);
  ll_project_free(&p);
  for (size_t i = 0; i < n; i++) ll_facts_free(&facts[i]);
  ll_findings_sort(&out);
  buf[0] = 0;
  size_t k = 0;
  for (size_t i = 0; i < out.v.len; i++)
    if (strncmp(out.v.items[i].code, prefix, strlen(prefix)) == 0)
      k += (size_t)snprintf(buf + k, size - k, "%s%s@%s:%u", k ? " " : "", out.v.items[i].code,
                            out.v.items[i].filename, out.v.items[i].start.row);
  ll_findings_free(&out);
  return buf;
}

static const char *one(void **state, const char *prefix, const char *code, char *buf, size_t size) {
  file_spec f[] = {{"m.py", "m", code}};
  return project_codes(state, prefix, f, 1, buf, size);
}

#define ONE(prefix, code) one(state, prefix, code, buf, sizeof buf)

static void handed_apis(void **state) {
  char buf[1024];
  const char *head = "import asyncio, atexit, functools, signal, threading\n"
                     "from concurrent.futures import ThreadPoolExecutor\n"
                     "async def co():\n    pass\n"
                     "def plain():\n    pass\n";
  char src[2048];
#define H(body) (snprintf(src, sizeof src, "%s%s", head, body), ONE("LOOP206", src))
  /* row 7 is the first line of body */
  assert_string_equal(H("atexit.register(co)\n"), "LOOP206@m.py:7");
  assert_string_equal(H("signal.signal(signal.SIGINT, co)\n"), "LOOP206@m.py:7");
  assert_string_equal(H("signal.signal(signal.SIGINT, handler=co)\n"), "LOOP206@m.py:7");
  assert_string_equal(H("threading.Thread(target=co)\n"), "LOOP206@m.py:7");
  assert_string_equal(H("threading.Thread(None, co)\n"), "LOOP206@m.py:7");
  assert_string_equal(H("threading.Timer(1.0, co)\n"), "LOOP206@m.py:7");
  assert_string_equal(H("ThreadPoolExecutor().submit(co)\n"), "LOOP206@m.py:7");
  assert_string_equal(H("async def f():\n    loop = asyncio.get_running_loop()\n    loop.call_soon(co)\n"
                        "    loop.call_later(1, co)\n    loop.call_at(1, co)\n    loop.call_soon_threadsafe(co)\n"
                        "    await loop.run_in_executor(None, co)\n    await asyncio.to_thread(co)\n"),
                      "LOOP206@m.py:9 LOOP206@m.py:10 LOOP206@m.py:11 LOOP206@m.py:12 LOOP206@m.py:13 LOOP206@m.py:14");
  assert_string_equal(H("async def f(fut: asyncio.Future):\n    fut.add_done_callback(co)\n"), "LOOP206@m.py:8");
  assert_string_equal(H("atexit.register(functools.partial(co, 1))\n"), "LOOP206@m.py:7");
  /* a coroutine of the rules data */
  assert_string_equal(H("atexit.register(asyncio.sleep)\n"), "LOOP206@m.py:7");
  /* not reported: sync functions, lambdas, calls, other positions, unknown names */
  assert_string_equal(H("atexit.register(plain)\n"), "");
  assert_string_equal(H("atexit.register(lambda: asyncio.ensure_future(co()))\n"), "");
  assert_string_equal(H("threading.Thread(target=asyncio.run, args=(co(),))\n"), "");
  assert_string_equal(H("signal.signal(co, plain)\n"), "");
  assert_string_equal(H("threading.Thread(co)\n"), ""); /* position 0 is `group` */
  assert_string_equal(H("from elsewhere import thing\natexit.register(thing)\n"), "");
  assert_string_equal(H("atexit.register(*[co])\n"), "");
  /* an unknown receiver: a method name alone is not the API */
  assert_string_equal(H("def g(loop):\n    loop.call_soon(co)\n"), "");
  /* a local `atexit` is not the module */
  assert_string_equal(ONE("LOOP206", "async def co():\n    pass\nclass atexit:\n    @staticmethod\n    def register(f): pass\n"
                          "atexit.register(co)\n"),
                      "");
#undef H
}

static void handed_methods_and_decorators(void **state) {
  char buf[1024];
  /* the method's definition in a base class of another file decides */
  file_spec f[] = {
      {"pkg/base.py", "pkg.base", "class Base:\n    async def reload(self):\n        pass\n    def sync(self):\n        pass\n"},
      {"pkg/svc.py", "pkg.svc",
       "import asyncio\nfrom .base import Base\nclass Svc(Base):\n    async def go(self):\n"
       "        loop = asyncio.get_running_loop()\n        loop.call_soon(self.reload)\n        loop.call_soon(self.sync)\n"},
  };
  assert_string_equal(project_codes(state, "LOOP206", f, 2, buf, sizeof buf), "LOOP206@pkg/svc.py:6");
  /* a project decorator that makes a plain function scheduling the coroutine; an unknown one */
  assert_string_equal(ONE("LOOP206", "import asyncio, atexit\nfrom lib import wrap\n"
                                     "def sched(fn):\n    def w(*a):\n        asyncio.ensure_future(fn(*a))\n    return w\n"
                                     "@sched\nasync def a():\n    pass\n@wrap\nasync def b():\n    pass\n"
                                     "import functools\ndef keep(fn):\n    @functools.wraps(fn)\n    async def w(*a):\n"
                                     "        return await fn(*a)\n    return w\n@keep\nasync def c():\n    pass\n"
                                     "atexit.register(a)\natexit.register(b)\natexit.register(c)\n"),
                      "LOOP206@m.py:24");
  /* an async generator function is not a coroutine function */
  assert_string_equal(ONE("LOOP206", "import atexit\nasync def g():\n    yield 1\natexit.register(g)\n"), "");
  /* Home Assistant: the executor job is reported, the tracking helpers take coroutine functions */
  assert_string_equal(ONE("LOOP206", "from homeassistant.core import HomeAssistant\n"
                                     "from homeassistant.helpers.event import async_track_time_interval\n"
                                     "class H:\n    async def poll(self, *a):\n        pass\n"
                                     "    async def setup(self, hass: HomeAssistant):\n"
                                     "        await hass.async_add_executor_job(self.poll)\n"
                                     "        async_track_time_interval(hass, self.poll, 30)\n"
                                     "        hass.bus.async_listen('e', self.poll)\n"),
                      "LOOP206@m.py:7");
}

static void unittest_testcases(void **state) {
  char buf[1024];
  /* in-memory files: the unittest path needs no configuration */
  assert_string_equal(ONE("LOOP207", "import unittest\nclass T(unittest.TestCase):\n    async def test_a(self):\n        pass\n"
                                     "    async def helper(self):\n        pass\n    def test_b(self):\n        pass\n"),
                      "LOOP207@m.py:3");
  assert_string_equal(ONE("LOOP207", "from unittest import IsolatedAsyncioTestCase as I\nclass T(I):\n    async def test_a(self):\n"
                                     "        pass\n"),
                      "");
  /* an unknown base, a runner hook, a subclass that may be async */
  assert_string_equal(ONE("LOOP207", "import unittest\nfrom lib import Mixin\nclass T(Mixin, unittest.TestCase):\n"
                                     "    async def test_a(self):\n        pass\n"),
                      "");
  assert_string_equal(ONE("LOOP207", "import unittest\nclass T(unittest.TestCase):\n    def run(self, result=None):\n"
                                     "        pass\n    async def test_a(self):\n        pass\n"),
                      "");
  assert_string_equal(ONE("LOOP207", "import unittest\nclass C(unittest.TestCase):\n    async def test_a(self):\n        pass\n"
                                     "class R(C, unittest.IsolatedAsyncioTestCase):\n    pass\n"),
                      "");
  /* an unknown decorator may run it; a harmless one does not */
  assert_string_equal(ONE("LOOP207", "import unittest\nfrom lib import run_async\nclass T(unittest.TestCase):\n    @run_async\n"
                                     "    async def test_a(self):\n        pass\n    @unittest.skip('x')\n"
                                     "    async def test_b(self):\n        pass\n"),
                      "LOOP207@m.py:8");
  /* project bases across files */
  file_spec f[] = {
      {"pkg/base.py", "pkg.base", "import unittest\nclass B(unittest.TestCase):\n    pass\nclass A(unittest.IsolatedAsyncioTestCase):\n    pass\n"},
      {"pkg/test_x.py", "pkg.test_x",
       "from .base import A, B\nclass T(B):\n    async def test_a(self):\n        pass\nclass U(A):\n    async def test_a(self):\n"
       "        pass\n"},
  };
  assert_string_equal(project_codes(state, "LOOP207", f, 2, buf, sizeof buf), "LOOP207@pkg/test_x.py:3");
}

/* Writes text to dir/rel, making folders. */
static void put(const char *dir, const char *rel, const char *text) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
    *s = 0;
    mkdir(path, 0755);
    *s = '/';
  }
  FILE *fh = fopen(path, "w");
  assert_non_null(fh);
  fputs(text, fh);
  fclose(fh);
}

static const char *on_disk(void **state, const char *dir, const char *rel, const char *code, char *buf, size_t size) {
  char path[4096];
  put(dir, rel, code);
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  file_spec f[] = {{path, "tests.test_a", code}};
  char all[1024];
  project_codes(state, "LOOP207", f, 1, all, sizeof all);
  /* the rows only: the folder is a temporary one */
  size_t n = 0;
  buf[0] = 0;
  for (char *tok = strtok(all, " "); tok; tok = strtok(NULL, " ")) {
    const char *row = strrchr(tok, ':');
    n += (size_t)snprintf(buf + n, size - n, "%sLOOP207@%s", n ? " " : "", row ? row + 1 : tok);
  }
  return buf;
}

static void pytest_modes(void **state) {
  char buf[1024], tmpl[] = "/tmp/ll207XXXXXX";
  char *dir = mkdtemp(tmpl);
  assert_non_null(dir);
  const char *code = "import pytest\nasync def test_a():\n    pass\n@pytest.mark.asyncio\nasync def test_b():\n    pass\n"
                     "class TestC:\n    async def test_c(self):\n        pass\nclass Other:\n    async def test_d(self):\n        pass\n";
  char sub[4200];
#define CASE(name) (snprintf(sub, sizeof sub, "%s/%s", dir, name), mkdir(sub, 0755), sub)
  /* no configuration anywhere up (the temporary folder's parents hold none): unknown */
  assert_string_equal(on_disk(state, CASE("none"), "tests/test_a.py", code, buf, sizeof buf), "");
  put(CASE("strict"), "pytest.ini", "[pytest]\nasyncio_mode = strict\n");
  assert_string_equal(on_disk(state, sub, "tests/test_a.py", code, buf, sizeof buf), "LOOP207@2 LOOP207@8");
  /* a file pytest does not collect */
  put(CASE("strict2"), "pytest.ini", "[pytest]\n");
  assert_string_equal(on_disk(state, sub, "tests/helpers.py", code, buf, sizeof buf), "");
  put(CASE("auto"), "pyproject.toml", "[project]\nname = 'x'\n[tool.pytest.ini_options]\nasyncio_mode = \"auto\"\n");
  assert_string_equal(on_disk(state, sub, "tests/test_a.py", code, buf, sizeof buf), "");
  put(CASE("trio"), "setup.cfg", "[metadata]\nname = x\n[tool:pytest]\ntrio_mode = true\n");
  assert_string_equal(on_disk(state, sub, "tests/test_a.py", code, buf, sizeof buf), "");
  put(CASE("addopts"), "tox.ini", "[tox]\nenvlist = py3\n[pytest]\naddopts =\n    -q\n    --asyncio-mode=auto\n");
  assert_string_equal(on_disk(state, sub, "tests/test_a.py", code, buf, sizeof buf), "");
  /* a pyproject.toml without a pytest section is not the configuration: the one above is */
  put(CASE("nested"), "pytest.ini", "[pytest]\nasyncio_mode = auto\n");
  put(sub, "pkg/pyproject.toml", "[project]\nname = 'x'\n");
  assert_string_equal(on_disk(state, sub, "pkg/tests/test_a.py", code, buf, sizeof buf), "");
  /* a conftest hook that may mark every test; a plugin in the requirements */
  put(CASE("hook"), "pytest.ini", "[pytest]\n");
  put(sub, "tests/conftest.py", "def pytest_collection_modifyitems(items):\n    pass\n");
  assert_string_equal(on_disk(state, sub, "tests/test_a.py", code, buf, sizeof buf), "");
  put(CASE("ha"), "setup.cfg", "[tool:pytest]\ntestpaths = tests\n");
  put(sub, "requirements_test.txt", "pytest_homeassistant_custom_component==0.13\n");
  assert_string_equal(on_disk(state, sub, "tests/test_a.py", code, buf, sizeof buf), "");
  /* a module pytestmark */
  put(CASE("marked"), "pytest.ini", "[pytest]\n");
  assert_string_equal(on_disk(state, sub, "tests/test_a.py", "import pytest\npytestmark = pytest.mark.anyio\n"
                                                             "async def test_a():\n    pass\n", buf, sizeof buf),
                      "");
#undef CASE
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(handed_apis, setup, teardown),
      cmocka_unit_test_setup_teardown(handed_methods_and_decorators, setup, teardown),
      cmocka_unit_test_setup_teardown(unittest_testcases, setup, teardown),
      cmocka_unit_test_setup_teardown(pytest_modes, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
