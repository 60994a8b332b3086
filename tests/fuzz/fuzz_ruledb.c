/* fuzz_ruledb.c: the rules-data loader (src/knowledge/ruledb.c), as `check --rules FILE`
 * uses it: the input is merged into a small base database; when it loads, a linter is built
 * over the result and lints a few files that use most kinds of entries (blocking calls,
 * returned types, bases, sync clients, coroutines, tasks, Home Assistant names), with the
 * project pass over them. A rejected file must leave the database usable. */
#include "fuzz_common.h"

#include "driver/suppress.h"
#include "model/project.h"

static const char BASE_RULES[] =
    "{\"categories\": {\"sleep\":\"LOOP101\",\"http\":\"LOOP102\",\"file\":\"LOOP104\",\"other\":\"LOOP106\"},"
    " \"blocking\": [{\"name\":\"time.sleep\",\"category\":\"sleep\"},"
    "  {\"name\":\"builtins.open\",\"category\":\"file\"}],"
    " \"returns\": {\"builtins.open\":\"io.TextIOWrapper\"}}";

static const char *const FILES[][2] = {
    {"pkg/a.py",
     "import time, asyncio, requests, pathlib, os, subprocess\nfrom pkg.b import helper, Client\n"
     "from homeassistant.core import callback\nasync def f(hass, p: pathlib.Path, s: requests.Session):\n"
     "    time.sleep(1)\n    requests.get('u')\n    s.get('u')\n    p.read_text()\n    open('x').read()\n"
     "    helper()\n    asyncio.create_task(f())\n    asyncio.sleep(1)\n    c = Client()\n    c.fetch()\n"
     "    hass.async_add_executor_job(time.sleep, 1)\n    await asyncio.gather(g())\n    os.listdir('.')\n"
     "    subprocess.run(['x'])\n    with open('y') as fh:\n        fh.read()\n"
     "@callback\ndef cb(hass):\n    hass.async_create_task(f())\n    time.sleep(1)\n"},
    {"pkg/b.py",
     "import time, docker, sqlite3, threading\nlock = threading.Lock()\nclass Client(docker.DockerClient):\n"
     "    async def fetch(self):\n        with lock:\n            self.containers.list()\n"
     "def helper():\n    time.sleep(2)\n    sqlite3.connect('x')\nasync def g():\n    while True:\n"
     "        if helper():\n            break\n        await asyncio.sleep(1)\n"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > FZ_MAX_INPUT) return 0;
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = 0;
  char err[512];
  ll_ruledb db;
  ll_ruledb_init(&db);
  if (ll_ruledb_load_text(&db, "base", BASE_RULES, err, sizeof err) != 0) abort();
  int rc = ll_ruledb_load_text(&db, "fuzz.json", text, err, sizeof err);
  FZ_ASSERT(rc == 0 || err[0], "rejected without a reason");
  if (rc == 0) {
    ll_settings s = {.ha_mode = -1};
    ll_linter lt;
    ll_linter_init(&lt, &db, &s);
    TSParser *parser = ts_parser_new();
    ll_findings out;
    ll_findings_init(&out);
    ll_file_facts facts[2];
    for (size_t i = 0; i < 2; i++) {
      ll_source src;
      ll_source_from_buffer(&src, FILES[i][0], FILES[i][1], strlen(FILES[i][1]));
      src.module = i ? "pkg.b" : "pkg.a";
      ll_facts_init(&facts[i]);
      facts[i].db = &db;
      ll_lint_source(&lt, parser, &src, &out, &facts[i]);
      ll_source_free(&src);
    }
    ll_project p;
    ll_project_build(&p, facts, 2, &db);
    ll_project_check(&p, &out);
    ll_project_free(&p);
    ll_suppress_apply(&out, facts, 2);
    for (size_t i = 0; i < 2; i++) ll_facts_free(&facts[i]);
    ll_findings_free(&out);
    ts_parser_delete(parser);
    ll_linter_free(&lt);
    /* the lookups a run makes outside the walk */
    (void)ll_ruledb_blocking(&db, "time.sleep");
    (void)ll_ruledb_call_kind(&db, "pkg.b.Client.fetch");
    (void)ll_ruledb_returns(&db, "pkg.b.Client.containers");
  }
  ll_ruledb_free(&db);
  free(text);
  return 0;
}
