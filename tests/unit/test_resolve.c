/* test_resolve.c: name resolution and the LOOP1xx rule on small sources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "lint_helper.h"

static int setup(void **state) {
  test_env *e = calloc(1, sizeof *e);
  test_env_init(e, -1);
  *state = e;
  return 0;
}
static int teardown(void **state) {
  test_env_free(*state);
  free(*state);
  return 0;
}

#define LINT(code) lint_codes(*state, "t.py", code, buf, sizeof buf)

static void imports_and_aliases(void **state) {
  char buf[512];
  assert_string_equal(LINT("import time\nasync def f():\n    time.sleep(1)\n"), "LOOP101@3");
  assert_string_equal(LINT("import time as t\nasync def f():\n    t.sleep(1)\n"), "LOOP101@3");
  assert_string_equal(LINT("from time import sleep as nap\nasync def f():\n    nap(1)\n"), "LOOP101@3");
  assert_string_equal(LINT("from requests import get\nasync def f():\n    get('u')\n"), "LOOP102@3");
  /* an import below the function still binds the module name */
  assert_string_equal(LINT("async def f():\n    time.sleep(1)\nimport time\n"), "LOOP101@2");
  /* import inside the function */
  assert_string_equal(LINT("async def f():\n    import time\n    time.sleep(1)\n"), "LOOP101@3");
  /* unimported name: nothing */
  assert_string_equal(LINT("async def f():\n    time.sleep(1)\n"), "");
  /* sleep from another module is not time.sleep */
  assert_string_equal(LINT("from asyncio import sleep\nasync def f():\n    await sleep(1)\n"), "");
}

/* A long attribute chain resolves in time linear in its length (each prefix once) and past
 * the chain bound is unknown; the inputs that once took minutes finish at once. */
static void long_chains(void **state) {
  char buf[512];
  char src[16384];
  /* within the bound: still resolved */
  assert_string_equal(LINT("from pathlib import Path\nasync def f(p: Path):\n    p.parent.parent.parent.read_text()\n"),
                      "LOOP104@3");
  for (int links = 20; links <= 4000; links *= 2) {
    int n = snprintf(src, sizeof src, "async def f(s):\n    s");
    for (int i = 0; i < links && n < (int)sizeof src - 32; i++) n += snprintf(src + n, sizeof src - (size_t)n, ".a");
    snprintf(src + n, sizeof src - (size_t)n, ".unlink()\n");
    assert_string_equal(LINT(src), "");
  }
}

static void shadowing(void **state) {
  char buf[512];
  /* a parameter named like the module shadows it */
  assert_string_equal(LINT("import time\nasync def f(time):\n    time.sleep(1)\n"), "");
  /* reassigned to something unknown */
  assert_string_equal(LINT("import time\nasync def f():\n    time = make()\n    time.sleep(1)\n"), "");
  /* builtins open shadowed by a local def */
  assert_string_equal(LINT("async def f():\n    def open(p): pass\n    open('x')\n"), "");
}

static void inferred_types(void **state) {
  char buf[512];
  assert_string_equal(LINT("import requests\nasync def f():\n    s = requests.Session()\n    s.get('u')\n"), "LOOP102@4");
  assert_string_equal(LINT("from pathlib import Path\nasync def f(x):\n    Path(x).read_text()\n"), "LOOP104@3");
  assert_string_equal(LINT("from pathlib import Path\nasync def f(x):\n    (Path(x) / 'a').read_text()\n"), "LOOP104@3");
  assert_string_equal(LINT("from pathlib import Path\nasync def f(p: Path):\n    p.parent.read_text()\n"), "LOOP104@3");
  assert_string_equal(LINT("from pathlib import Path\nasync def f(p: Path | None):\n    p.read_text()\n"), "LOOP104@3");
  assert_string_equal(LINT("async def f():\n    with open('x') as fh:\n        fh.read()\n"), "LOOP104@2 LOOP104@3");
  assert_string_equal(LINT("async def f():\n    fh = open('x')\n    fh.read()\n"), "LOOP104@2 LOOP104@3");
  /* self attribute typed in __init__ */
  assert_string_equal(LINT("import requests\nclass C:\n    def __init__(self):\n        self.s = requests.Session()\n"
                           "    async def m(self):\n        self.s.get('u')\n"),
                      "LOOP102@6");
}

static void async_context(void **state) {
  char buf[512];
  /* nested def, lambda and sync code are not the loop */
  assert_string_equal(LINT("import time\nasync def f():\n    def g():\n        time.sleep(1)\n    return g\n"), "");
  assert_string_equal(LINT("import time\nasync def f():\n    x = lambda: time.sleep(1)\n"), "");
  assert_string_equal(LINT("import time\ndef f():\n    time.sleep(1)\n"), "");
  /* passed uncalled to an executor */
  assert_string_equal(LINT("import time, asyncio\nasync def f():\n    await asyncio.to_thread(time.sleep, 1)\n"), "");
  /* lazy iterator passed to an executor wrapper, but not when consumed on the loop */
  assert_string_equal(LINT("import asyncio\nfrom pathlib import Path\nasync def f(p: Path):\n"
                           "    await asyncio.to_thread(list, p.glob('*'))\n    p.glob('*')\n"),
                      "LOOP104@5");
  /* a class body inside an async def runs on the loop */
  assert_string_equal(LINT("import time\nasync def f():\n    class K:\n        time.sleep(1)\n"), "LOOP101@4");
  /* @callback in Home Assistant */
  assert_string_equal(LINT("import time\nfrom homeassistant.core import callback\n@callback\ndef cb():\n    time.sleep(1)\n"),
                      "LOOP111@5");
}

static void patterns(void **state) {
  char buf[512];
  assert_string_equal(LINT("import os\nasync def f():\n    os.spawnl(0, 'x')\n    os.spawnzz()\n"), "LOOP103@3");
}

static void relative_imports(void **state) {
  char buf[512];
  /* a file outside any package: `from .helpers import slow` resolves against no package */
  assert_string_equal(LINT("from pkg.helpers import slow\nasync def f():\n    slow()\n"), "LOOP106@3");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(imports_and_aliases, setup, teardown),
      cmocka_unit_test_setup_teardown(long_chains, setup, teardown),
      cmocka_unit_test_setup_teardown(shadowing, setup, teardown),
      cmocka_unit_test_setup_teardown(inferred_types, setup, teardown),
      cmocka_unit_test_setup_teardown(async_context, setup, teardown),
      cmocka_unit_test_setup_teardown(patterns, setup, teardown),
      cmocka_unit_test_setup_teardown(relative_imports, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
