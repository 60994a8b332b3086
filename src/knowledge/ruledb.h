/* ruledb.h: the knowledge base loaded from rules/ JSON files (see rules/README.md): blocking
 * callables, the types calls produce, executor wrappers, coroutine facts. Immutable once
 * loaded, so every analysis thread reads it without locks. */
#ifndef LL_RULEDB_H
#define LL_RULEDB_H
#include <stddef.h>
#include "../util/arena.h"
#include "../util/strmap.h"
#include "../util/vec.h"

/* One condition of a blocking entry's "harmless_when" (rules/README.md): the argument it
 * names (keyword, or position; of the call itself, or with receiver, of the call that made
 * the receiver) is passed, is not a literal None, and resolves to one of values (qualified
 * names, or the literals True/False) or has one of types; and no keyword of absent is
 * passed. Lists are NULL-terminated (arena). */
typedef struct ll_harmless {
  const char *keyword;        /* NULL: positional only */
  int position;               /* -1: keyword only */
  int receiver;
  const char *const *values;  /* NULL: any value */
  const char *const *types;   /* NULL: any type */
  const char *const *absent;  /* NULL: none */
  const char *const *caught;  /* the call sits in a `try` whose handlers catch one of these */
  int imported;               /* the argument names a module already imported when the call runs */
} ll_harmless;

typedef struct ll_blocking_entry {
  const char *name;     /* qualified name; for a pattern, the part before '*' */
  int is_prefix;        /* name ended in '*' */
  const char *category;
  const char *code;     /* from categories, e.g. "LOOP101" (registry-interned) */
  const char *message;  /* may be NULL */
  const char *fix;      /* may be NULL */
  const char *ha_fix;   /* may be NULL */
  int lazy;
  int no_wrap;             /* "wrap": false */
  const char *async_twin;  /* e.g. "asyncio.sleep" */
  LL_VEC(const char *) except;
  LL_VEC(const char *) not_on; /* receivers (calls) that another rule reports instead */
  const struct ll_harmless *harmless; /* "harmless_when": arguments that make the call harmless */
  size_t nharmless;
} ll_blocking_entry;

/* A synchronous client library: every method of its classes blocks (it talks to a server, a
 * device or the disk), as `docker.DockerClient` and what it returns, `serial.Serial`,
 * `paramiko.SSHClient`. `entry` carries the category, code and message; `entry.name` is a
 * class, or a module when is_module (every class defined under it); `entry.except` lists
 * member names that do not block. constructor: creating an instance blocks too. */
typedef struct ll_sync_client {
  ll_blocking_entry entry;
  int is_module;
  int constructor;
} ll_sync_client;

/* What the knowledge base says about a callable that is not a project function. */
typedef enum ll_call_kind {
  LL_CALL_UNKNOWN = 0,
  LL_CALL_COROUTINE,      /* returns a coroutine: must be awaited */
  LL_CALL_AWAITABLE,      /* returns a Task/Future: await it or keep it */
  LL_CALL_NOT_COROUTINE,  /* sync (often an `async_` name that is a plain callback) */
} ll_call_kind;

/* What a library decorator does to the function it decorates (the `decorators` section). */
typedef enum ll_deco_kind {
  LL_DECO_UNKNOWN = 0,
  LL_DECO_KEEPS,     /* returns a function of the same nature: an async def stays a coroutine function */
  LL_DECO_SCHEDULES, /* returns a plain function that schedules the coroutine: callers do not await */
} ll_deco_kind;
/* An API that calls a callable it is given without awaiting what the call returns (LOOP206). */
typedef struct ll_callback_api {
  const char *name;    /* qualified name, "asyncio.AbstractEventLoop.call_soon" */
  int arg;             /* positional index of the callable, -1 none */
  const char *keyword; /* its keyword, or NULL */
  const char *runs;    /* where the API calls it, for the message ("on the loop") */
  const char *fix;     /* what to do instead */
  /* "off_loop": it calls the callable away from the loop's thread (a worker thread, a new
   * thread, another process); then how it passes the callable its arguments: the positional
   * arguments after it (args_after), or one tuple given as keyword args_kw / at args_pos */
  int off_loop, args_after, args_pos;
  const char *args_kw;
  /* thread_loops.calls: the keyword that must be a literal True for the call to run the
   * coroutine it is given on an event loop of its own in a worker thread (`thread`) */
  const char *when;
} ll_callback_api;

typedef struct ll_ruledb {
  ll_arena arena;
  ll_strmap categories;        /* category -> code */
  ll_strmap blocking;          /* exact name -> ll_blocking_entry* */
  LL_VEC(ll_blocking_entry *) patterns;
  ll_strmap returns;           /* callable or attribute -> type name */
  ll_strmap offload_functions; /* qualified name -> (void*)1 */
  ll_strmap offload_methods;   /* method name -> (void*)1 */
  ll_strmap calls;             /* qualified name -> (void*)(intptr_t)ll_call_kind */
  ll_strmap decorators;        /* library decorator -> (void*)(intptr_t)ll_deco_kind */
  ll_strmap aliases;           /* foreign code (ASYNC251) -> our code (LOOP101) */
  ll_strmap task_create;       /* qualified task factories whose result must be kept */
  ll_strmap task_loop_methods; /* method names that create tasks on an event loop of unknown type */
  ll_strmap task_kept;         /* factories that keep a reference themselves (TaskGroup, hass) */
  ll_strmap ha_names;          /* Home Assistant mode: conventional names -> type (`hass`) */
  ll_strmap deprecated;        /* qualified name -> message (LOOP505) */
  ll_strmap offload_args;      /* executor method/function name -> index of the callable argument (+1) */
  ll_strmap loop_runners;      /* calls that run an event loop to completion (LOOP503) */
  ll_strmap client_sessions;   /* HTTP client session constructors (LOOP501) */
  ll_strmap bases;             /* library class -> const char *const * (its direct bases, NULL-ended) */
  LL_VEC(ll_sync_client *) sync_clients;
  ll_strmap sync_client_classes, sync_client_modules; /* the same by name (the last entry of a name stands) */
  ll_strmap vague_annotations; /* types that, in the project's annotations, say too little (`typing.IO`) */
  ll_strmap in_memory;         /* classes whose every method works in memory (`io.BytesIO`) */
  ll_strmap implicit_modules;  /* names an unbound identifier stands for (`subprocess`, `os`) */
  ll_strmap roots;             /* top-level modules the data names (`os`, `requests`, `homeassistant`) */
  ll_strmap awaitable_names;   /* last parts of the coroutine and awaitable `calls` (`async_reload`) */
  ll_strmap coroutine_caches;  /* decorators caching what a call returns (LOOP205) */
  ll_strmap transparent_decorators; /* decorators that hand the function on unchanged */
  ll_strmap callback_apis;     /* qualified name -> ll_callback_api* (LOOP206) */
  /* "thread_loops": calls that run the coroutine (or coroutine function) they are given on an
   * event loop of their own in a worker thread (qualified name -> ll_callback_api*, `when`
   * the keyword that asks for it), and decorators that do so to the function they wear
   * (qualified name -> the keyword, a string) */
  ll_strmap thread_loop_calls, thread_loop_decorators;
  ll_strmap thread_locks;      /* types of thread locks, semaphores, conditions (LOOP107) */
  ll_strmap poll_sleeps;       /* async sleeps a polling loop waits with (LOOP120) */
  ll_strmap polled_state;      /* state queries with an awaitable twin -> what to await (LOOP120) */
  /* LOOP207: what makes an async test run, or makes it unknowable */
  ll_strmap test_runner_marks, test_harmless_decorators, test_runner_fixtures, sync_testcases, testcase_hooks,
      test_plugins_run_all;
  LL_VEC(const char *) test_harmless_prefixes; /* harmless decorators given as "prefix.*" */
  size_t nblocking;
  uint64_t fingerprint;        /* hash of every text loaded, in order: part of the cache key */
  ll_strmap task_joins;        /* calls that await the tasks passed to them (`asyncio.gather`) */
} ll_ruledb;

void ll_ruledb_init(ll_ruledb *db);
void ll_ruledb_free(ll_ruledb *db);
/* Loads the standard files of dir (a rules/ folder); missing optional files are fine,
 * blocking.json is required. Returns 0, or -1 with "file: line N: reason" in err. */
int ll_ruledb_load_dir(ll_ruledb *db, const char *dir, char *err, size_t errlen);
/* Loads and merges one file (also for --rules FILE). */
int ll_ruledb_load_file(ll_ruledb *db, const char *path, char *err, size_t errlen);
/* Parses and merges JSON text; name is used in error messages. */
int ll_ruledb_load_text(ll_ruledb *db, const char *name, const char *text, char *err, size_t errlen);

/* The blocking entry for a qualified name, or NULL. */
const ll_blocking_entry *ll_ruledb_blocking(const ll_ruledb *db, const char *qualname);
/* The type a callable or attribute produces, or NULL. `Class.member` is also looked up on
 * the bases the data lists for Class (`MySensorBase.hass` -> `Entity.hass`). */
const char *ll_ruledb_returns(const ll_ruledb *db, const char *qualname);
int ll_ruledb_is_offload(const ll_ruledb *db, const char *qualname, const char *method);
/* What calling a qualified name returns; `Class.method` is also looked up on Class's bases. */
ll_call_kind ll_ruledb_call_kind(const ll_ruledb *db, const char *qualname);
/* The direct bases of a library class (NULL-terminated), or NULL when the data has none. */
const char *const *ll_ruledb_bases(const ll_ruledb *db, const char *cls);
/* The sync-client entry that makes member of an instance of cls block (member NULL: the
 * constructor), or NULL. cls is matched as given: the caller walks the bases. */
const ll_blocking_entry *ll_ruledb_sync_client(const ll_ruledb *db, const char *cls, const char *member);
/* Whether a sync_clients entry names cls as a class (not a module): the data knows it is one. */
int ll_ruledb_sync_client_class(const ll_ruledb *db, const char *cls);
/* Whether an identifier no statement of a file binds stands for the well-known module of
 * that name (flake8-async's view of `subprocess.run` behind a star import). */
int ll_ruledb_implicit_module(const ll_ruledb *db, const char *name, size_t n);
/* Whether cls works in memory ("in_memory" in rules/blocking.json): none of its methods
 * block, whatever its bases say (`io.BytesIO` derives from `typing.BinaryIO`). */
int ll_ruledb_in_memory(const ll_ruledb *db, const char *cls);
/* Whether a type (its head, before any `[`) is one the project's own annotations may not
 * decide by ("vague_annotations" in rules/types.json): `out: BinaryIO` is any binary stream,
 * a BytesIO as often as a file, so the value stays unknown. */
int ll_ruledb_vague_annotation(const ll_ruledb *db, const char *te, size_t head_len);
/* What a decorator (its qualified name, a factory's call stripped) does to a function. */
ll_deco_kind ll_ruledb_decorator(const ll_ruledb *db, const char *qualname);
/* Whether some coroutine or awaitable the data lists has this last name part (a call of any
 * other name cannot be one the data knows). */
int ll_ruledb_awaitable_name(const ll_ruledb *db, const char *name, size_t n);
/* Whether the data names something under top-level module root (n bytes): a project module
 * of that name (a stub folder, a script named like the stdlib) does not hide the library. */
int ll_ruledb_knows_root(const ll_ruledb *db, const char *root, size_t n);
/* Whether db lists name in map (for the set-like sections). */
int ll_ruledb_has(const ll_strmap *map, const char *name);

#endif
