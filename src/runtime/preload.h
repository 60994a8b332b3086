/* preload.h: internals shared by the files of libloopwatch.so (hooks.c, loopstate.c,
 * pyframes.c, watchdog.c). Nothing here is part of looplint itself.
 *
 * The library is the project's one place with global mutable state: the loop table below and
 * a handful of process-wide flags. Each field says who writes it. */
#ifndef LL_RUNTIME_PRELOAD_H
#define LL_RUNTIME_PRELOAD_H
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#include "classify.h"
#include "event.h"

/* Per-thread state. Tiny, because every thread of the host gets a copy; initial-exec TLS, so
 * touching it never allocates, not even in a signal handler. */
typedef struct ll_runtime_tls {
  int guard;        /* >0 while the library runs its own code: hooks pass straight through */
  int slot;         /* index of the loop this thread runs, -1 none */
  int tid;          /* kernel thread id, 0 until first needed */
  int neg_epfd;     /* last epoll fd found not to be an asyncio selector, -1 none */
  unsigned neg_epoch;
  int poll_checked; /* poll()/select() of this thread were found not to be loop waits */
} ll_runtime_tls;

extern __thread ll_runtime_tls ll_runtime_me __attribute__((tls_model("initial-exec")));

#define LL_RUNTIME_LOOPS 8   /* loops watched at once per process (one per thread) */
#define LL_RUNTIME_PENDING 8 /* events held per gap until the next wait confirms them */

enum { LL_SLOT_FREE = 0, LL_SLOT_CLAIMING = 1, LL_SLOT_ACTIVE = 2 };
enum { LL_WAIT_EPOLL = 1, LL_WAIT_POLL = 2 };

/* One event loop: a thread that waits on a selector. Fields marked (owner) are touched only by
 * the loop's thread; the rest are atomics the watchdog and close() may read or reset. */
typedef struct ll_runtime_loop {
  /* Hot: read or written at every wait; kept together in the first cache line. */
  _Atomic int state;  /* LL_SLOT_* */
  _Atomic int tid;    /* owner's kernel tid */
  _Atomic int epfd;   /* the selector's epoll fd; -1 for poll/select loops */
  int wait_kind;      /* (owner) LL_WAIT_* */
  int started;        /* (owner) a wait has completed: gaps can be measured */
  int npending;       /* (owner) */
  _Atomic int in_wait;
  int python;         /* (owner, set at claim) the owner runs Python: frames can be read */
  _Atomic uint64_t gap_start_ns; /* end of the last wait (coarse clock) */
  _Atomic uint64_t gen;          /* gap number, bumped at the end of every wait */
  uint64_t explained_ns;         /* (owner) time of the blocking calls seen in this gap */
  _Atomic uint64_t sample_gen;   /* gap the watchdog sampled (0: none); set after sample */
  /* Cold. */
  int pid;                /* (set at claim) a vfork child shares this memory: it must not act */
  unsigned long py_ident; /* (set at claim) pthread_self() of the owner: Python's thread id */
  sigset_t sigmask;       /* (owner, set at claim) a different mask later means "in a handler" */
  ll_runtime_loc sample;  /* (watchdog) where the loop thread was during a long gap */
  ll_runtime_event pending[LL_RUNTIME_PENDING];
} ll_runtime_loop;

/* Process-wide configuration read from the environment at load time. */
typedef struct ll_runtime_config {
  int enabled;        /* LOOPWATCH_OUT is set */
  char out_path[1024];
  uint64_t stall_ns;  /* LOOPWATCH_STALL_MS, 0 disables stalls */
  int native_all;     /* LOOPWATCH_NATIVE=all: without Python, record every thread's calls */
  int native_off;     /* LOOPWATCH_NATIVE=off: without Python, record nothing */
  char exe[1024];     /* /proc/self/exe, named by events that have no Python file */
} ll_runtime_config;

extern ll_runtime_config ll_runtime_cfg;
extern ll_runtime_loop ll_runtime_loops[LL_RUNTIME_LOOPS];
extern _Atomic unsigned ll_runtime_epoll_epoch; /* bumped by epoll_create: invalidates neg_epfd */

/* --- real libc entry points (hooks.c) --- */
void *ll_runtime_real(const char *name, void *_Atomic *cache);
#define LL_REAL(ret, name, args) \
  static void *_Atomic ll_real_##name##_p; \
  ret(*real_##name) args = (ret(*) args)ll_runtime_real(#name, &ll_real_##name##_p)
int ll_runtime_real_nanosleep(uint64_t ns);
long ll_runtime_write_all(int fd, const char *buf, unsigned long n);

/* --- loops, gaps and events (loopstate.c) --- */
uint64_t ll_runtime_now_ns(void);
int ll_runtime_tid(void);
/* The loop whose gap the calling thread is in, or NULL when calls pass through. For
 * LOOPWATCH_NATIVE=all in a process without Python, returns a pseudo loop (in_loop = 0). */
ll_runtime_loop *ll_runtime_gap(void);
/* The loop a wait by this thread on epfd (or on poll/select) belongs to, verifying unknown
 * selectors once; NULL when it is not a loop wait. */
ll_runtime_loop *ll_runtime_wait_loop(int epfd, int wait_kind);
void ll_runtime_wait_enter(ll_runtime_loop *lp);
void ll_runtime_wait_exit(ll_runtime_loop *lp);
/* Records a blocking call that started at t0; reads the Python stack when there is one.
 * Preserves errno. */
void ll_runtime_record(ll_runtime_loop *lp, ll_runtime_call_id call, const char *code, uint64_t t0);
/* close(fd) hook: ends the loop whose selector fd is closed, dropping its unconfirmed gap. */
void ll_runtime_forget_fd(int fd);
void ll_runtime_after_fork_child(void);
int ll_runtime_is_pseudo(const ll_runtime_loop *lp);

/* --- Python (pyframes.c) --- */
typedef enum ll_runtime_py_result {
  LL_PY_FAIL,       /* no interpreter, not initialized, or the stack could not be read */
  LL_PY_USER,       /* loc holds the innermost user frame */
  LL_PY_SANCTIONED, /* asyncio itself made the call (e.g. fork in create_subprocess_exec) */
  LL_PY_NO_USER,    /* only library frames: interpreter internals */
} ll_runtime_py_result;

typedef enum ll_runtime_verdict {
  LL_VERDICT_NOT_LOOP, /* cache: this thread's wait is not an asyncio selector */
  LL_VERDICT_LATER,    /* ask again later (interpreter not initialized yet) */
  LL_VERDICT_PY_LOOP,  /* asyncio's selector on a Python thread */
  LL_VERDICT_NATIVE,   /* no Python in the process: a native event loop */
} ll_runtime_verdict;

/* Python API found in the process (by dlsym, or through libpython found by
 * dl_iterate_phdr). Cheap after the first call. */
int ll_runtime_py_present(void);
/* Looks for the interpreter again (it may have been dlopen'ed since); returns present. */
int ll_runtime_py_resolve(void);
/* Set once Python's atexit hooks have run: from then on no thread enters the interpreter. */
int ll_runtime_py_dead(void);
/* Is the calling thread's current wait asyncio's selector? Reads the caller's own frames. */
ll_runtime_verdict ll_runtime_py_verify_wait(void);
/* The calling thread's innermost user frame. */
ll_runtime_py_result ll_runtime_py_capture_self(ll_runtime_loc *loc);
/* The innermost user frame of the Python thread ident (the watchdog's stall sample); valid()
 * is called with the GIL held and must still hold for the sample to count. */
ll_runtime_py_result ll_runtime_py_capture_thread(unsigned long ident, ll_runtime_loc *loc,
                                                  int (*valid)(void *), void *arg);
void ll_runtime_py_after_fork_child(void);

/* --- stall watchdog (watchdog.c) --- */
void ll_runtime_watchdog_start(void);
void ll_runtime_watchdog_after_fork_child(void);

#endif
