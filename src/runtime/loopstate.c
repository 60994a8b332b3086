/* loopstate.c: libloopwatch.so's model of the process: which threads run event loops, the gap
 * each loop is in (the time between two selector waits), the events seen in that gap, and the
 * event file they are appended to.
 *
 * A blocking call is only an event when it happens between two waits of a loop, so events of a
 * gap are held back until the next wait begins; the gap still open when the selector's fd is
 * closed (loop.close()) is dropped. That keeps interpreter start-up and shutdown out. At the
 * start of each wait the gap is also checked for a stall: time not explained by the blocking
 * calls recorded in it. */
#define _GNU_SOURCE
#include "preload.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

__thread ll_runtime_tls ll_runtime_me __attribute__((tls_model("initial-exec"))) = {
    .guard = 0, .slot = -1, .tid = 0, .neg_epfd = -1, .neg_epoch = 0, .poll_checked = 0};

ll_runtime_config ll_runtime_cfg;
ll_runtime_loop ll_runtime_loops[LL_RUNTIME_LOOPS];
_Atomic unsigned ll_runtime_epoll_epoch;

static _Atomic int active_loops; /* lets close() skip the table scan in the common case */
static ll_runtime_loop pseudo_loop; /* LOOPWATCH_NATIVE=all: calls outside any loop */

/* The event file: opened on the first event, re-opened if the host closed or replaced it. */
static _Atomic int out_fd = -1;
static _Atomic uint64_t out_ino, out_dev;

uint64_t ll_runtime_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Gaps are timed with the coarse clock (a few ns, a tick of resolution): two readings per
 * selector wait is the library's hottest path, and stalls are tens of milliseconds. */
static uint64_t coarse_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int ll_runtime_tid(void) {
  if (!ll_runtime_me.tid) ll_runtime_me.tid = (int)syscall(SYS_gettid);
  return ll_runtime_me.tid;
}

int ll_runtime_is_pseudo(const ll_runtime_loop *lp) { return lp == &pseudo_loop; }

static int owned(const ll_runtime_loop *lp) {
  return atomic_load_explicit(&lp->state, memory_order_acquire) == LL_SLOT_ACTIVE &&
         atomic_load_explicit(&lp->tid, memory_order_relaxed) == ll_runtime_me.tid;
}

ll_runtime_loop *ll_runtime_gap(void) {
  ll_runtime_tls *me = &ll_runtime_me;
  if (me->guard || !ll_runtime_cfg.enabled) return NULL;
  if (me->slot >= 0) {
    ll_runtime_loop *lp = &ll_runtime_loops[me->slot];
    if (owned(lp) && lp->started && !atomic_load_explicit(&lp->in_wait, memory_order_relaxed))
      return lp;
    return NULL;
  }
  if (ll_runtime_cfg.native_all && !ll_runtime_py_present()) return &pseudo_loop;
  return NULL;
}

/* --- the event file --------------------------------------------------------------------- */

static int open_out(void) {
  LL_REAL(int, open, (const char *, int, ...));
  LL_REAL(int, close, (int));
  if (!real_open || !real_close) return -1;
  int fd = real_open(ll_runtime_cfg.out_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  /* Move out of the low numbers programs like to assume are theirs. */
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 100);
  if (high >= 0) { real_close(fd); fd = high; }
  struct stat st;
  if (fstat(fd, &st) != 0) { real_close(fd); return -1; }
  int expected = -1;
  if (!atomic_compare_exchange_strong(&out_fd, &expected, fd)) {
    real_close(fd); /* another thread won; use its descriptor */
    return expected;
  }
  atomic_store(&out_ino, (uint64_t)st.st_ino);
  atomic_store(&out_dev, (uint64_t)st.st_dev);
  return fd;
}

/* The event file's descriptor, checking it still is that file (a host may close every fd and
 * reuse the number: then writing there would corrupt its data). */
static int event_fd(void) {
  int fd = atomic_load(&out_fd);
  if (fd >= 0) {
    struct stat st;
    if (fstat(fd, &st) == 0 && (uint64_t)st.st_ino == atomic_load(&out_ino) &&
        (uint64_t)st.st_dev == atomic_load(&out_dev))
      return fd;
    atomic_compare_exchange_strong(&out_fd, &fd, -1); /* not ours any more: never close it */
  }
  return open_out();
}

static void emit(const ll_runtime_event *ev) {
  char line[LL_RUNTIME_LINE_MAX];
  size_t n = ll_runtime_event_format(ev, ll_runtime_cfg.exe, line, sizeof line);
  int fd = event_fd();
  if (fd >= 0) ll_runtime_write_all(fd, line, n);
}

/* --- loop slots ------------------------------------------------------------------------- */

static void release(ll_runtime_loop *lp) {
  int expected = LL_SLOT_ACTIVE;
  if (atomic_compare_exchange_strong(&lp->state, &expected, LL_SLOT_CLAIMING)) {
    atomic_store(&lp->epfd, -1);
    atomic_store(&lp->tid, 0);
    atomic_store(&lp->state, LL_SLOT_FREE);
    atomic_fetch_sub(&active_loops, 1);
  }
}

static ll_runtime_loop *claim(int epfd, int wait_kind, int python) {
  for (int i = 0; i < LL_RUNTIME_LOOPS; i++) {
    ll_runtime_loop *lp = &ll_runtime_loops[i];
    int expected = LL_SLOT_FREE;
    if (!atomic_compare_exchange_strong(&lp->state, &expected, LL_SLOT_CLAIMING)) continue;
    atomic_store(&lp->tid, ll_runtime_tid());
    atomic_store(&lp->epfd, epfd);
    lp->wait_kind = wait_kind;
    lp->python = python;
    lp->pid = getpid();
    lp->py_ident = (unsigned long)pthread_self();
    pthread_sigmask(SIG_BLOCK, NULL, &lp->sigmask);
    lp->started = 0;
    lp->explained_ns = 0;
    lp->npending = 0;
    atomic_store(&lp->in_wait, 0);
    atomic_store(&lp->gap_start_ns, 0);
    atomic_store(&lp->sample_gen, 0);
    atomic_fetch_add(&active_loops, 1);
    atomic_store(&lp->state, LL_SLOT_ACTIVE);
    ll_runtime_me.slot = i;
    if (python && ll_runtime_cfg.stall_ns) ll_runtime_watchdog_start();
    return lp;
  }
  return NULL; /* more loops than slots: the extra ones go unwatched */
}

static ll_runtime_verdict verify(int wait_kind) {
  /* Re-resolving catches an interpreter embedded (dlopen'ed) after start-up. */
  if (ll_runtime_py_present() || ll_runtime_py_resolve()) return ll_runtime_py_verify_wait();
  if (ll_runtime_cfg.native_off || wait_kind != LL_WAIT_EPOLL) return LL_VERDICT_NOT_LOOP;
  return LL_VERDICT_NATIVE;
}

ll_runtime_loop *ll_runtime_wait_loop(int epfd, int wait_kind) {
  ll_runtime_tls *me = &ll_runtime_me;
  if (me->guard || !ll_runtime_cfg.enabled) return NULL;
  ll_runtime_tid();
  ll_runtime_loop *mine = NULL;
  if (me->slot >= 0) {
    ll_runtime_loop *lp = &ll_runtime_loops[me->slot];
    if (owned(lp)) {
      mine = lp;
      if (wait_kind == LL_WAIT_EPOLL ? atomic_load_explicit(&lp->epfd, memory_order_relaxed) == epfd
                                     : lp->wait_kind == LL_WAIT_POLL)
        return lp;
      /* poll() inside an epoll loop's callback is a blocking call, not a wait. */
      if (wait_kind == LL_WAIT_POLL) return NULL;
    } else {
      me->slot = -1;
    }
  }
  unsigned epoch = atomic_load_explicit(&ll_runtime_epoll_epoch, memory_order_relaxed);
  if (wait_kind == LL_WAIT_EPOLL && me->neg_epfd == epfd && me->neg_epoch == epoch) return NULL;
  if (wait_kind == LL_WAIT_POLL && me->poll_checked) return NULL;

  int saved = errno;
  me->guard++;
  ll_runtime_verdict v = verify(wait_kind);
  ll_runtime_loop *lp = NULL;
  if (v == LL_VERDICT_PY_LOOP || v == LL_VERDICT_NATIVE) {
    if (mine) release(mine); /* a new loop on this thread: the old one was abandoned */
    lp = claim(epfd, wait_kind, v == LL_VERDICT_PY_LOOP);
  } else if (v == LL_VERDICT_NOT_LOOP) {
    if (wait_kind == LL_WAIT_EPOLL) { me->neg_epfd = epfd; me->neg_epoch = epoch; }
    else me->poll_checked = 1;
  }
  me->guard--;
  errno = saved;
  return lp;
}

void ll_runtime_forget_fd(int fd) {
  if (ll_runtime_me.neg_epfd == fd) ll_runtime_me.neg_epfd = -1;
  if (fd < 0 || atomic_load_explicit(&active_loops, memory_order_relaxed) == 0) return;
  for (int i = 0; i < LL_RUNTIME_LOOPS; i++) {
    ll_runtime_loop *lp = &ll_runtime_loops[i];
    if (atomic_load(&lp->state) == LL_SLOT_ACTIVE && atomic_load(&lp->epfd) == fd &&
        lp->pid == getpid()) /* not the child of a vfork closing its copy */
      release(lp);
  }
}

/* --- gaps --------------------------------------------------------------------------------- */

/* Holds ev until the gap is confirmed by the next wait; the same call at the same place in
 * one gap (an import reading many files, a loop of reads) is kept once, with its longest time. */
static void pending_add(ll_runtime_loop *lp, const ll_runtime_event *ev) {
  for (int i = 0; i < lp->npending; i++) {
    ll_runtime_event *p = &lp->pending[i];
    if (p->call == ev->call && p->code == ev->code && p->loc.line == ev->loc.line &&
        strcmp(p->loc.file, ev->loc.file) == 0) {
      if (ev->dur_us > p->dur_us) p->dur_us = ev->dur_us;
      return;
    }
  }
  if (lp->npending < LL_RUNTIME_PENDING) lp->pending[lp->npending++] = *ev;
  else emit(ev); /* a gap this busy is not start-up or shutdown */
}

static int sigmask_changed(const ll_runtime_loop *lp) {
  sigset_t now;
  if (pthread_sigmask(SIG_BLOCK, NULL, &now) != 0) return 1;
  for (int s = 1; s < 65; s++)
    if (sigismember(&now, s) != sigismember(&lp->sigmask, s)) return 1;
  return 0;
}

void ll_runtime_record(ll_runtime_loop *lp, ll_runtime_call_id call, const char *code, uint64_t t0) {
  uint64_t dur = ll_runtime_now_ns() - t0;
  int saved = errno;
  ll_runtime_me.guard++;
  const ll_runtime_call *info = ll_runtime_call_get(call);
  ll_runtime_event ev;
  ev.kind = LL_EVENT_CALL;
  ev.call = info->name;
  ev.code = code;
  ev.hint = info->hint;
  ev.dur_us = dur / 1000;
  ev.pid = getpid();
  ev.tid = ll_runtime_tid();
  ev.in_loop = !ll_runtime_is_pseudo(lp);
  ev.loc.file[0] = ev.loc.func[0] = '\0';
  ev.loc.line = 0;
  ev.loc.via_import = 0;
  if (!ev.in_loop) {
    emit(&ev);
  } else if (ev.pid != lp->pid) {
    /* A vfork child (subprocess before exec) runs on this thread's memory: its calls are
     * neither the loop's nor safe to look into. */
  } else {
    lp->explained_ns += dur;
    /* A changed signal mask means we may be inside a signal handler, where taking the GIL
     * could deadlock: such calls are counted but not reported. */
    int keep = 1;
    if (lp->python) {
      keep = !sigmask_changed(lp) && ll_runtime_py_capture_self(&ev.loc) == LL_PY_USER;
      if (keep && ev.loc.via_import) ev.hint = "a module imported on first use";
    }
    if (keep) pending_add(lp, &ev);
  }
  ll_runtime_me.guard--;
  errno = saved;
}

static void end_gap(ll_runtime_loop *lp, uint64_t now) {
  for (int i = 0; i < lp->npending; i++) emit(&lp->pending[i]);
  lp->npending = 0;
  uint64_t start = atomic_load_explicit(&lp->gap_start_ns, memory_order_relaxed);
  uint64_t gap = now > start ? now - start : 0;
  uint64_t unexplained = gap > lp->explained_ns ? gap - lp->explained_ns : 0;
  lp->explained_ns = 0;
  if (!ll_runtime_cfg.stall_ns || unexplained < ll_runtime_cfg.stall_ns) return;
  ll_runtime_event ev;
  ev.kind = LL_EVENT_STALL;
  ev.call = NULL;
  ev.code = "LOOP106";
  ev.hint = NULL;
  ev.dur_us = gap / 1000;
  ev.pid = getpid();
  ev.tid = ll_runtime_tid();
  ev.in_loop = 1;
  if (atomic_load_explicit(&lp->sample_gen, memory_order_acquire) ==
      atomic_load_explicit(&lp->gen, memory_order_relaxed)) {
    ev.loc = lp->sample;
  } else if (lp->python) {
    /* No user frame was sampled: asyncio's own work or waiting for the GIL, nothing the
     * user could act on at a line of theirs. */
    return;
  } else {
    ev.loc.file[0] = ev.loc.func[0] = '\0'; /* a native loop: there are no frames to sample */
    ev.loc.line = 0;
    ev.loc.via_import = 0;
  }
  emit(&ev);
}

/* The hot path: plain (release/relaxed) atomics only. The watchdog validates what it samples
 * with the GIL held (watchdog.c), so it needs no stronger ordering from these stores. */
void ll_runtime_wait_enter(ll_runtime_loop *lp) {
  uint64_t now = coarse_now_ns();
  atomic_store_explicit(&lp->in_wait, 1, memory_order_release);
  if (!lp->started) return;
  int saved = errno;
  ll_runtime_me.guard++;
  end_gap(lp, now);
  ll_runtime_me.guard--;
  errno = saved;
}

void ll_runtime_wait_exit(ll_runtime_loop *lp) {
  /* Only the owner writes gap_start and gen: no read-modify-write needed. */
  atomic_store_explicit(&lp->gap_start_ns, coarse_now_ns(), memory_order_relaxed);
  uint64_t gen = atomic_load_explicit(&lp->gen, memory_order_relaxed);
  atomic_store_explicit(&lp->gen, gen + 1, memory_order_release);
  atomic_store_explicit(&lp->in_wait, 0, memory_order_release);
  lp->started = 1;
}

/* Runs in the child of fork(): the child has one thread and no loop until it waits itself. */
void ll_runtime_after_fork_child(void) {
  for (int i = 0; i < LL_RUNTIME_LOOPS; i++) {
    ll_runtime_loop *lp = &ll_runtime_loops[i];
    atomic_store(&lp->state, LL_SLOT_FREE);
    atomic_store(&lp->epfd, -1);
    atomic_store(&lp->tid, 0);
    lp->npending = 0;
  }
  atomic_store(&active_loops, 0);
  ll_runtime_me.guard = 0;
  ll_runtime_me.slot = -1;
  ll_runtime_me.tid = 0;
  ll_runtime_me.neg_epfd = -1;
  ll_runtime_me.poll_checked = 0;
  ll_runtime_watchdog_after_fork_child();
  ll_runtime_py_after_fork_child();
}

static void on_fork_child(void) { ll_runtime_after_fork_child(); }

__attribute__((constructor)) static void ll_runtime_init(void) {
  ll_runtime_me.guard++;
  const char *out = getenv("LOOPWATCH_OUT");
  char cwd[512] = "";
  if (out && *out != '/' && !getcwd(cwd, sizeof cwd)) out = NULL; /* the host may chdir later */
  if (out && *out && strlen(cwd) + 1 + strlen(out) < sizeof ll_runtime_cfg.out_path) {
    if (*cwd) {
      strcpy(ll_runtime_cfg.out_path, cwd);
      strcat(ll_runtime_cfg.out_path, "/");
    }
    strcat(ll_runtime_cfg.out_path, out);
    const char *stall = getenv("LOOPWATCH_STALL_MS");
    long ms = stall && *stall ? strtol(stall, NULL, 10) : 100;
    ll_runtime_cfg.stall_ns = ms > 0 ? (uint64_t)ms * 1000000u : 0;
    const char *native = getenv("LOOPWATCH_NATIVE");
    ll_runtime_cfg.native_all = native && strcmp(native, "all") == 0;
    ll_runtime_cfg.native_off = native && strcmp(native, "off") == 0;
    ssize_t n = readlink("/proc/self/exe", ll_runtime_cfg.exe, sizeof ll_runtime_cfg.exe - 1);
    ll_runtime_cfg.exe[n > 0 ? n : 0] = '\0';
    pthread_atfork(NULL, NULL, on_fork_child);
    ll_runtime_py_present(); /* resolve the interpreter's API now, single-threaded */
    ll_runtime_cfg.enabled = 1;
  }
  ll_runtime_me.guard--;
}
