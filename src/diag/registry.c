/* registry.c: the static rule table. Rule knowledge (which call blocks, which name is a
 * coroutine) lives in rules/ JSON files; this table only names the codes. */
#include "registry.h"

#include <stdio.h>
#include <string.h>

static const ll_rule_info RULES[] = {
    {"LOOP101", "blocking-sleep-in-async", "Blocking sleep on the event loop"},
    {"LOOP102", "blocking-http-in-async", "Synchronous HTTP request on the event loop"},
    {"LOOP103", "blocking-subprocess-in-async", "Blocking subprocess or process wait on the event loop"},
    {"LOOP104", "blocking-file-io-in-async", "Blocking file or path I/O on the event loop"},
    {"LOOP105", "blocking-socket-in-async", "Blocking socket or DNS call on the event loop"},
    {"LOOP106", "blocking-call-in-async", "Other blocking call on the event loop"},
    {"LOOP107", "threading-lock-on-loop", "Thread lock, semaphore or condition acquired on the event loop"},
    {"LOOP110", "blocking-call-through-helper", "Sync helper that blocks, called from the event loop"},
    {"LOOP111", "blocking-call-in-callback", "Blocking call inside a @callback function"},
    {"LOOP120", "polling-loop", "Loop that sleeps until state changes instead of awaiting an event"},
    {"LOOP201", "coroutine-not-awaited", "Coroutine created and never awaited"},
    {"LOOP202", "coroutine-stored-not-awaited", "Coroutine stored in a local and never awaited"},
    {"LOOP203", "coroutine-in-boolean-context", "Coroutine used as a truth value"},
    {"LOOP204", "await-not-awaitable", "await on something that is not awaitable"},
    {"LOOP205", "cached-coroutine", "Memoizing cache on an async def caches the coroutine, not its result"},
    {"LOOP206", "coroutine-function-handed-to-sync-api", "Coroutine function handed to an API that calls it without awaiting"},
    {"LOOP207", "async-test-never-runs", "async def test that its runner calls without awaiting"},
    {"LOOP301", "dangling-task", "Task reference dropped; the task may be garbage collected"},
    {"LOOP401", "cancelled-error-swallowed", "asyncio.CancelledError caught and not re-raised"},
    {"LOOP402", "broad-except-swallows-cancel", "Bare or BaseException handler swallows cancellation"},
    {"LOOP403", "control-flow-in-finally", "return/break/continue in finally swallows cancellation"},
    {"LOOP404", "cancelled-task-not-awaited", "Task cancelled and never awaited"},
    {"LOOP405", "timeout-retry-swallows-cancel", "Reserved, not reported: since 3.8 except Exception cannot swallow cancellation (LOOP402 covers the real case)"},
    {"LOOP501", "client-session-created", "aiohttp.ClientSession created instead of the shared one"},
    {"LOOP502", "asyncio-task-in-integration", "asyncio task API used in a Home Assistant integration"},
    {"LOOP503", "run-loop-from-loop", "Event loop run or waited on from code running on the loop"},
    {"LOOP504", "executor-call-not-passed", "Blocking function called instead of passed to the executor"},
    {"LOOP505", "deprecated-loop-api", "Deprecated event loop API"},
    {"LOOP601", "native-blocking-with-gil", "C extension blocks while holding the GIL"},
    {"LOOP901", "syntax-error", "Syntax error"},
    {"LOOP902", "unused-noqa", "Unused noqa suppression"},
    {"LOOP903", "io-error", "File could not be read"},
    {"LOOP904", "runtime-event-not-found", "Runtime event that static analysis missed"},
    {"LOOP905", "too-complex", "File too complex to analyse within the per-file budget"},
    {NULL, NULL, NULL},
};

const ll_rule_info *ll_registry_all(void) { return RULES; }

const ll_rule_info *ll_registry_find(const char *code) {
  for (const ll_rule_info *r = RULES; r->code; r++)
    if (strcmp(r->code, code) == 0) return r;
  return NULL;
}

const char *ll_registry_code(const char *code) {
  const ll_rule_info *r = ll_registry_find(code);
  return r ? r->code : NULL;
}

void ll_registry_url(const char *code, char *buf, unsigned size) {
  snprintf(buf, size, "%s%s.md", LOOPLINT_DOCS_URL, code);
}
