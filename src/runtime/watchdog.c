/* watchdog.c: the stall sampler. A stall is only known for sure when the gap ends, and by then
 * the callback that caused it has returned; so one helper thread per process (started with
 * the first Python loop) wakes when a gap of some loop passes the stall threshold and records
 * where that loop's thread is at that moment, through pyframes.c.
 *
 * The sample is tagged with the gap's number (gen). The loop thread sets in_wait before it
 * reads a sample, and the watchdog checks gen and in_wait again with the GIL held, so a
 * sample is never attributed to the wrong gap; a late sample is simply not used. */
#define _GNU_SOURCE
#include "preload.h"

#include <pthread.h>
#include <signal.h>

static _Atomic int wd_started;

struct sample_ctx {
  ll_runtime_loop *lp;
  uint64_t gen;
};

/* Called with the GIL held: the loop thread cannot be running Python, so if it is still in
 * the same gap, its frames are the stalling callback's. */
static int still_in_gap(void *arg) {
  struct sample_ctx *c = arg;
  return atomic_load(&c->lp->state) == LL_SLOT_ACTIVE && atomic_load(&c->lp->gen) == c->gen &&
         !atomic_load(&c->lp->in_wait);
}

static void *watchdog_main(void *arg) {
  (void)arg;
  ll_runtime_me.guard = 1; /* nothing this thread does is an event */
  const uint64_t stall = ll_runtime_cfg.stall_ns;
  uint64_t tried[LL_RUNTIME_LOOPS] = {0}; /* one sample per gap is enough */
  while (!ll_runtime_py_dead()) {
    uint64_t now = ll_runtime_now_ns(), next = now + stall;
    for (int i = 0; i < LL_RUNTIME_LOOPS; i++) {
      ll_runtime_loop *lp = &ll_runtime_loops[i];
      if (atomic_load(&lp->state) != LL_SLOT_ACTIVE || !lp->python || atomic_load(&lp->in_wait))
        continue;
      uint64_t gen = atomic_load(&lp->gen), start = atomic_load(&lp->gap_start_ns);
      if (!start || tried[i] == gen) continue;
      uint64_t elapsed = now > start ? now - start : 0; /* start is from the coarse clock */
      if (elapsed < stall) {
        if (start + stall < next) next = start + stall;
        continue;
      }
      tried[i] = gen;
      struct sample_ctx c = {lp, gen};
      ll_runtime_loc loc;
      if (ll_runtime_py_capture_thread(lp->py_ident, &loc, still_in_gap, &c) == LL_PY_USER) {
        lp->sample = loc;
        atomic_store_explicit(&lp->sample_gen, gen, memory_order_release);
      }
    }
    now = ll_runtime_now_ns();
    uint64_t wait = next > now ? next - now : 0;
    if (wait < 2000000) wait = 2000000; /* 2 ms floor: never spin */
    ll_runtime_real_nanosleep(wait);
  }
  return NULL;
}

void ll_runtime_watchdog_start(void) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&wd_started, &expected, 1)) return;
  /* The host's signals must keep going to its own threads. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t t;
  if (pthread_create(&t, &attr, watchdog_main, NULL) != 0) atomic_store(&wd_started, 0);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void ll_runtime_watchdog_after_fork_child(void) { atomic_store(&wd_started, 0); }
