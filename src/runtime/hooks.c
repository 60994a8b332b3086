/* hooks.c: the libc functions libloopwatch.so interposes (LD_PRELOAD), each forwarding to the
 * next definition found with dlsym(RTLD_NEXT).
 *
 * Three kinds of hook:
 *  - waits (epoll_wait, epoll_pwait, and poll/select for loops built on them) delimit the gaps
 *    of an event loop (loopstate.c);
 *  - blocking calls are timed and recorded when the calling thread is inside a gap of its own
 *    loop; any other thread (executors, the host's own threads) pays one thread-local read;
 *  - lifecycle: close() of a selector fd ends its loop, epoll_create invalidates caches.
 *
 * Descriptor calls look at the descriptor before the call (fstat/fcntl, never hooked) so that
 * non-blocking sockets and pipes, which asyncio uses all the time, cost one syscall at most.
 * Every hook preserves errno and calls the real function exactly once. vfork is deliberately
 * not interposed: a wrapper's stack frame would not survive the child. */
#define _GNU_SOURCE
#include "preload.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LL_EXPORT __attribute__((visibility("default")))

void *ll_runtime_real(const char *name, void *_Atomic *cache) {
  void *p = atomic_load_explicit(cache, memory_order_acquire);
  if (!p) {
    p = dlsym(RTLD_NEXT, name);
    atomic_store_explicit(cache, p, memory_order_release);
  }
  return p;
}

int ll_runtime_real_nanosleep(uint64_t ns) {
  LL_REAL(int, nanosleep, (const struct timespec *, struct timespec *));
  struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
  return real_nanosleep ? real_nanosleep(&ts, NULL) : -1;
}

long ll_runtime_write_all(int fd, const char *buf, unsigned long n) {
  LL_REAL(ssize_t, write, (int, const void *, size_t));
  if (!real_write) return -1;
  ssize_t r;
  do r = real_write(fd, buf, n); /* one write: O_APPEND keeps the line whole */
  while (r < 0 && errno == EINTR);
  return r;
}

/* The code for a call on fd, or NULL when this call cannot block (or fd is unknown). */
static const char *fd_code(ll_runtime_call_id id, int fd, int nonblock_flag) {
  const ll_runtime_call *call = ll_runtime_call_get(id);
  int saved = errno;
  ll_runtime_fd_kind kind = LL_FD_SOCKET;
  if (call->family != LL_FAMILY_SOCKET) { /* socket calls fail on anything else anyway */
    struct stat st;
    kind = fstat(fd, &st) == 0 ? ll_runtime_fd_kind_from_mode(st.st_mode) : LL_FD_UNKNOWN;
  }
  int nonblock = nonblock_flag;
  if (kind == LL_FD_SOCKET && !nonblock) {
    int fl = fcntl(fd, F_GETFL);
    nonblock = fl < 0 || (fl & O_NONBLOCK);
  }
  errno = saved;
  return ll_runtime_code_for(call, kind, nonblock);
}

/* The code for opening path as fd (r < 0: the lookup still hit the disk). */
static const char *open_code(int r) {
  if (r < 0) return "LOOP104";
  int saved = errno;
  struct stat st;
  ll_runtime_fd_kind kind = fstat(r, &st) == 0 ? ll_runtime_fd_kind_from_mode(st.st_mode) : LL_FD_UNKNOWN;
  errno = saved;
  return ll_runtime_code_for(ll_runtime_call_get(LL_CALL_OPEN), kind, 0);
}

/* The strongest kind among the descriptors a poll/select waits on (socket > pipe > other). */
static ll_runtime_fd_kind wait_kind_of(const int *fds, int n) {
  int saved = errno;
  ll_runtime_fd_kind best = LL_FD_OTHER;
  for (int i = 0; i < n && i < 16; i++) {
    struct stat st;
    if (fds[i] < 0 || fstat(fds[i], &st) != 0) continue;
    ll_runtime_fd_kind k = ll_runtime_fd_kind_from_mode(st.st_mode);
    if (k == LL_FD_SOCKET) { best = k; break; }
    if (k == LL_FD_PIPE) best = k;
  }
  errno = saved;
  return best;
}

/* --- hook bodies, as macros so each hook stays a few readable lines --------------------- */

/* Unconditionally blocking calls: time and record inside a gap. */
#define LL_TIMED(id, code, call_expr)                 \
  ll_runtime_loop *lp = ll_runtime_gap();             \
  if (!lp) return call_expr;                          \
  uint64_t t0 = ll_runtime_now_ns();                  \
  ll_runtime_me.guard++;                              \
  __typeof__(call_expr) r = call_expr;                \
  ll_runtime_me.guard--;                              \
  ll_runtime_record(lp, id, code, t0);                \
  return r

/* Descriptor calls: classify fd first, pass through when it cannot block. */
#define LL_FD_TIMED(id, fd, nonblock, call_expr)      \
  ll_runtime_loop *lp = ll_runtime_gap();             \
  if (!lp) return call_expr;                          \
  const char *code = fd_code(id, fd, nonblock);       \
  if (!code) return call_expr;                        \
  uint64_t t0 = ll_runtime_now_ns();                  \
  ll_runtime_me.guard++;                              \
  __typeof__(call_expr) r = call_expr;                \
  ll_runtime_me.guard--;                              \
  ll_runtime_record(lp, id, code, t0);                \
  return r

/* Opens: the kind of what was opened decides (a device is not file I/O). */
#define LL_OPEN_TIMED(id, call_expr)                  \
  ll_runtime_loop *lp = ll_runtime_gap();             \
  if (!lp) return call_expr;                          \
  uint64_t t0 = ll_runtime_now_ns();                  \
  ll_runtime_me.guard++;                              \
  int r = call_expr;                                  \
  ll_runtime_me.guard--;                              \
  const char *code = open_code(r);                    \
  if (code) ll_runtime_record(lp, id, code, t0);      \
  return r

/* Selector waits: delimit gaps when they are the loop's own. */
#define LL_WAIT(fd, kind, call_expr)                  \
  ll_runtime_loop *w = ll_runtime_wait_loop(fd, kind); \
  if (!w) return call_expr;                           \
  ll_runtime_wait_enter(w);                           \
  __typeof__(call_expr) r = call_expr;                \
  ll_runtime_wait_exit(w);                            \
  return r

static mode_t open_mode(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

/* --- sleeping ---------------------------------------------------------------------------- */

LL_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem) {
  LL_REAL(int, nanosleep, (const struct timespec *, struct timespec *));
  LL_TIMED(LL_CALL_NANOSLEEP, "LOOP101", real_nanosleep(req, rem));
}

LL_EXPORT int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem) {
  LL_REAL(int, clock_nanosleep, (clockid_t, int, const struct timespec *, struct timespec *));
  LL_TIMED(LL_CALL_CLOCK_NANOSLEEP, "LOOP101", real_clock_nanosleep(clk, flags, req, rem));
}

LL_EXPORT int usleep(useconds_t usec) {
  LL_REAL(int, usleep, (useconds_t));
  LL_TIMED(LL_CALL_USLEEP, "LOOP101", real_usleep(usec));
}

LL_EXPORT unsigned int sleep(unsigned int seconds) {
  LL_REAL(unsigned int, sleep, (unsigned int));
  LL_TIMED(LL_CALL_SLEEP, "LOOP101", real_sleep(seconds));
}

/* --- paths ------------------------------------------------------------------------------- */

#define LL_OPEN_HOOK(name)                                  \
  LL_EXPORT int name(const char *path, int flags, ...) {    \
    va_list ap;                                             \
    va_start(ap, flags);                                    \
    mode_t mode = open_mode(flags, ap);                     \
    va_end(ap);                                             \
    LL_REAL(int, name, (const char *, int, ...));           \
    LL_OPEN_TIMED(LL_CALL_OPEN, real_##name(path, flags, mode)); \
  }
LL_OPEN_HOOK(open)
LL_OPEN_HOOK(open64)

#define LL_OPENAT_HOOK(name)                                          \
  LL_EXPORT int name(int dirfd, const char *path, int flags, ...) {   \
    va_list ap;                                                       \
    va_start(ap, flags);                                              \
    mode_t mode = open_mode(flags, ap);                               \
    va_end(ap);                                                       \
    LL_REAL(int, name, (int, const char *, int, ...));                \
    LL_OPEN_TIMED(LL_CALL_OPENAT, real_##name(dirfd, path, flags, mode)); \
  }
LL_OPENAT_HOOK(openat)
LL_OPENAT_HOOK(openat64)

/* Fortified opens (_FORTIFY_SOURCE builds call these for two-argument opens). */
#define LL_OPEN2_HOOK(name)                                 \
  LL_EXPORT int name(const char *path, int flags) {         \
    LL_REAL(int, name, (const char *, int));                \
    LL_OPEN_TIMED(LL_CALL_OPEN, real_##name(path, flags));  \
  }
LL_OPEN2_HOOK(__open_2)
LL_OPEN2_HOOK(__open64_2)

#define LL_OPENAT2_HOOK(name)                                          \
  LL_EXPORT int name(int dirfd, const char *path, int flags) {         \
    LL_REAL(int, name, (int, const char *, int));                      \
    LL_OPEN_TIMED(LL_CALL_OPENAT, real_##name(dirfd, path, flags));    \
  }
LL_OPENAT2_HOOK(__openat_2)
LL_OPENAT2_HOOK(__openat64_2)

#define LL_STAT_HOOK(name, id, st_type)                          \
  LL_EXPORT int name(const char *restrict path, st_type *restrict buf) { \
    LL_REAL(int, name, (const char *, st_type *));               \
    LL_TIMED(id, "LOOP104", real_##name(path, buf));             \
  }
LL_STAT_HOOK(stat, LL_CALL_STAT, struct stat)
LL_STAT_HOOK(stat64, LL_CALL_STAT, struct stat64)
LL_STAT_HOOK(lstat, LL_CALL_LSTAT, struct stat)
LL_STAT_HOOK(lstat64, LL_CALL_LSTAT, struct stat64)

LL_EXPORT int fstatat(int dirfd, const char *restrict path, struct stat *restrict buf, int flags) {
  LL_REAL(int, fstatat, (int, const char *, struct stat *, int));
  LL_TIMED(LL_CALL_FSTATAT, "LOOP104", real_fstatat(dirfd, path, buf, flags));
}

LL_EXPORT int fstatat64(int dirfd, const char *restrict path, struct stat64 *restrict buf, int flags) {
  LL_REAL(int, fstatat64, (int, const char *, struct stat64 *, int));
  LL_TIMED(LL_CALL_FSTATAT, "LOOP104", real_fstatat64(dirfd, path, buf, flags));
}

LL_EXPORT int statx(int dirfd, const char *restrict path, int flags, unsigned int mask,
                    struct statx *restrict buf) {
  LL_REAL(int, statx, (int, const char *, int, unsigned int, struct statx *));
  LL_TIMED(LL_CALL_STATX, "LOOP104", real_statx(dirfd, path, flags, mask, buf));
}

LL_EXPORT int access(const char *path, int mode) {
  LL_REAL(int, access, (const char *, int));
  LL_TIMED(LL_CALL_ACCESS, "LOOP104", real_access(path, mode));
}

LL_EXPORT DIR *opendir(const char *path) {
  LL_REAL(DIR *, opendir, (const char *));
  LL_TIMED(LL_CALL_OPENDIR, "LOOP104", real_opendir(path));
}

LL_EXPORT ssize_t getdents64(int fd, void *buf, size_t n) {
  LL_REAL(ssize_t, getdents64, (int, void *, size_t));
  LL_FD_TIMED(LL_CALL_GETDENTS, fd, 0, real_getdents64(fd, buf, n));
}

/* --- file descriptors ---------------------------------------------------------------------- */

LL_EXPORT ssize_t read(int fd, void *buf, size_t n) {
  LL_REAL(ssize_t, read, (int, void *, size_t));
  LL_FD_TIMED(LL_CALL_READ, fd, 0, real_read(fd, buf, n));
}

LL_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen) {
  LL_REAL(ssize_t, __read_chk, (int, void *, size_t, size_t));
  LL_FD_TIMED(LL_CALL_READ, fd, 0, real___read_chk(fd, buf, n, buflen));
}

LL_EXPORT ssize_t write(int fd, const void *buf, size_t n) {
  LL_REAL(ssize_t, write, (int, const void *, size_t));
  LL_FD_TIMED(LL_CALL_WRITE, fd, 0, real_write(fd, buf, n));
}

#define LL_PIO_HOOK(name, id, bufq, off_type)                              \
  LL_EXPORT ssize_t name(int fd, bufq void *buf, size_t n, off_type off) { \
    LL_REAL(ssize_t, name, (int, bufq void *, size_t, off_type));          \
    LL_FD_TIMED(id, fd, 0, real_##name(fd, buf, n, off));                  \
  }
LL_PIO_HOOK(pread, LL_CALL_PREAD, , off_t)
LL_PIO_HOOK(pread64, LL_CALL_PREAD, , off64_t)
LL_PIO_HOOK(pwrite, LL_CALL_PWRITE, const, off_t)
LL_PIO_HOOK(pwrite64, LL_CALL_PWRITE, const, off64_t)

LL_EXPORT int fsync(int fd) {
  LL_REAL(int, fsync, (int));
  LL_TIMED(LL_CALL_FSYNC, "LOOP104", real_fsync(fd));
}

LL_EXPORT int fdatasync(int fd) {
  LL_REAL(int, fdatasync, (int));
  LL_TIMED(LL_CALL_FDATASYNC, "LOOP104", real_fdatasync(fd));
}

/* --- sockets ------------------------------------------------------------------------------ */

LL_EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len) {
  LL_REAL(int, connect, (int, __CONST_SOCKADDR_ARG, socklen_t));
  LL_FD_TIMED(LL_CALL_CONNECT, fd, 0, real_connect(fd, addr, len));
}

LL_EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len) {
  LL_REAL(int, accept, (int, __SOCKADDR_ARG, socklen_t *));
  LL_FD_TIMED(LL_CALL_ACCEPT, fd, 0, real_accept(fd, addr, len));
}

LL_EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len, int flags) {
  LL_REAL(int, accept4, (int, __SOCKADDR_ARG, socklen_t *, int));
  LL_FD_TIMED(LL_CALL_ACCEPT, fd, 0, real_accept4(fd, addr, len, flags));
}

LL_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags) {
  LL_REAL(ssize_t, recv, (int, void *, size_t, int));
  LL_FD_TIMED(LL_CALL_RECV, fd, flags & MSG_DONTWAIT, real_recv(fd, buf, n, flags));
}

LL_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags) {
  LL_REAL(ssize_t, __recv_chk, (int, void *, size_t, size_t, int));
  LL_FD_TIMED(LL_CALL_RECV, fd, flags & MSG_DONTWAIT, real___recv_chk(fd, buf, n, buflen, flags));
}

LL_EXPORT ssize_t recvfrom(int fd, void *restrict buf, size_t n, int flags, __SOCKADDR_ARG addr,
                           socklen_t *restrict len) {
  LL_REAL(ssize_t, recvfrom, (int, void *, size_t, int, __SOCKADDR_ARG, socklen_t *));
  LL_FD_TIMED(LL_CALL_RECVFROM, fd, flags & MSG_DONTWAIT, real_recvfrom(fd, buf, n, flags, addr, len));
}

LL_EXPORT ssize_t __recvfrom_chk(int fd, void *restrict buf, size_t n, size_t buflen, int flags,
                                 __SOCKADDR_ARG addr, socklen_t *restrict len) {
  LL_REAL(ssize_t, __recvfrom_chk, (int, void *, size_t, size_t, int, __SOCKADDR_ARG, socklen_t *));
  LL_FD_TIMED(LL_CALL_RECVFROM, fd, flags & MSG_DONTWAIT,
              real___recvfrom_chk(fd, buf, n, buflen, flags, addr, len));
}

LL_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  LL_REAL(ssize_t, recvmsg, (int, struct msghdr *, int));
  LL_FD_TIMED(LL_CALL_RECVMSG, fd, flags & MSG_DONTWAIT, real_recvmsg(fd, msg, flags));
}

LL_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags) {
  LL_REAL(ssize_t, send, (int, const void *, size_t, int));
  LL_FD_TIMED(LL_CALL_SEND, fd, flags & MSG_DONTWAIT, real_send(fd, buf, n, flags));
}

LL_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG addr,
                         socklen_t len) {
  LL_REAL(ssize_t, sendto, (int, const void *, size_t, int, __CONST_SOCKADDR_ARG, socklen_t));
  LL_FD_TIMED(LL_CALL_SENDTO, fd, flags & MSG_DONTWAIT, real_sendto(fd, buf, n, flags, addr, len));
}

LL_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  LL_REAL(ssize_t, sendmsg, (int, const struct msghdr *, int));
  LL_FD_TIMED(LL_CALL_SENDMSG, fd, flags & MSG_DONTWAIT, real_sendmsg(fd, msg, flags));
}

/* --- name resolution ------------------------------------------------------------------------ */

LL_EXPORT int getaddrinfo(const char *restrict node, const char *restrict service,
                          const struct addrinfo *restrict hints, struct addrinfo **restrict res) {
  LL_REAL(int, getaddrinfo, (const char *, const char *, const struct addrinfo *, struct addrinfo **));
  LL_TIMED(LL_CALL_GETADDRINFO, "LOOP105", real_getaddrinfo(node, service, hints, res));
}

LL_EXPORT int getnameinfo(const struct sockaddr *restrict sa, socklen_t salen, char *restrict host,
                          socklen_t hostlen, char *restrict serv, socklen_t servlen, int flags) {
  LL_REAL(int, getnameinfo, (const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int));
  LL_TIMED(LL_CALL_GETNAMEINFO, "LOOP105", real_getnameinfo(sa, salen, host, hostlen, serv, servlen, flags));
}

LL_EXPORT struct hostent *gethostbyname(const char *name) {
  LL_REAL(struct hostent *, gethostbyname, (const char *));
  LL_TIMED(LL_CALL_GETHOSTBYNAME, "LOOP105", real_gethostbyname(name));
}

LL_EXPORT int gethostbyname_r(const char *restrict name, struct hostent *restrict ret, char *restrict buf,
                              size_t buflen, struct hostent **restrict result, int *restrict h_errnop) {
  LL_REAL(int, gethostbyname_r, (const char *, struct hostent *, char *, size_t, struct hostent **, int *));
  LL_TIMED(LL_CALL_GETHOSTBYNAME, "LOOP105", real_gethostbyname_r(name, ret, buf, buflen, result, h_errnop));
}

LL_EXPORT struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type) {
  LL_REAL(struct hostent *, gethostbyaddr, (const void *, socklen_t, int));
  LL_TIMED(LL_CALL_GETHOSTBYADDR, "LOOP105", real_gethostbyaddr(addr, len, type));
}

LL_EXPORT int gethostbyaddr_r(const void *restrict addr, socklen_t len, int type,
                              struct hostent *restrict ret, char *restrict buf, size_t buflen,
                              struct hostent **restrict result, int *restrict h_errnop) {
  LL_REAL(int, gethostbyaddr_r, (const void *, socklen_t, int, struct hostent *, char *, size_t,
                                 struct hostent **, int *));
  LL_TIMED(LL_CALL_GETHOSTBYADDR, "LOOP105",
           real_gethostbyaddr_r(addr, len, type, ret, buf, buflen, result, h_errnop));
}

/* --- processes ------------------------------------------------------------------------------- */

LL_EXPORT pid_t fork(void) {
  LL_REAL(pid_t, fork, (void));
  ll_runtime_loop *lp = ll_runtime_gap();
  uint64_t t0 = ll_runtime_now_ns();
  if (lp) ll_runtime_me.guard++;
  pid_t pid = real_fork();
  if (lp && pid != 0) ll_runtime_me.guard--; /* the child's guard was reset at fork */
  /* The child was reset by the atfork handler and must not touch lp. */
  if (lp && pid != 0) ll_runtime_record(lp, LL_CALL_FORK, "LOOP103", t0);
  return pid;
}

#define LL_SPAWN_HOOK(name)                                                                        \
  LL_EXPORT int name(pid_t *restrict pid, const char *restrict path,                              \
                     const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *restrict attr, \
                     char *const argv[restrict], char *const envp[restrict]) {                    \
    LL_REAL(int, name, (pid_t *, const char *, const posix_spawn_file_actions_t *,                \
                        const posix_spawnattr_t *, char *const[], char *const[]));                \
    LL_TIMED(LL_CALL_POSIX_SPAWN, "LOOP103", real_##name(pid, path, fa, attr, argv, envp));       \
  }
LL_SPAWN_HOOK(posix_spawn)
LL_SPAWN_HOOK(posix_spawnp)

/* Waits with WNOHANG poll a child; they never block. */
#define LL_PROC_TIMED(id, nonblock, call_expr)                                       \
  ll_runtime_loop *lp = nonblock ? NULL : ll_runtime_gap();                          \
  if (!lp) return call_expr;                                                         \
  uint64_t t0 = ll_runtime_now_ns();                                                 \
  ll_runtime_me.guard++;                                                             \
  __typeof__(call_expr) r = call_expr;                                               \
  ll_runtime_me.guard--;                                                             \
  ll_runtime_record(lp, id, "LOOP103", t0);                                          \
  return r

LL_EXPORT pid_t waitpid(pid_t pid, int *status, int options) {
  LL_REAL(pid_t, waitpid, (pid_t, int *, int));
  LL_PROC_TIMED(LL_CALL_WAITPID, options & WNOHANG, real_waitpid(pid, status, options));
}

LL_EXPORT pid_t wait(int *status) {
  LL_REAL(pid_t, wait, (int *));
  LL_PROC_TIMED(LL_CALL_WAITPID, 0, real_wait(status));
}

LL_EXPORT pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage) {
  LL_REAL(pid_t, wait4, (pid_t, int *, int, struct rusage *));
  LL_PROC_TIMED(LL_CALL_WAIT4, options & WNOHANG, real_wait4(pid, status, options, usage));
}

LL_EXPORT int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options) {
  LL_REAL(int, waitid, (idtype_t, id_t, siginfo_t *, int));
  LL_PROC_TIMED(LL_CALL_WAITID, options & WNOHANG, real_waitid(idtype, id, info, options));
}

LL_EXPORT int system(const char *command) {
  LL_REAL(int, system, (const char *));
  LL_TIMED(LL_CALL_SYSTEM, "LOOP103", real_system(command));
}

/* --- waits -------------------------------------------------------------------------------- */

LL_EXPORT int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout) {
  LL_REAL(int, epoll_wait, (int, struct epoll_event *, int, int));
  LL_WAIT(epfd, LL_WAIT_EPOLL, real_epoll_wait(epfd, events, max, timeout));
}

LL_EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout, const sigset_t *mask) {
  LL_REAL(int, epoll_pwait, (int, struct epoll_event *, int, int, const sigset_t *));
  LL_WAIT(epfd, LL_WAIT_EPOLL, real_epoll_pwait(epfd, events, max, timeout, mask));
}

LL_EXPORT int epoll_create(int size) {
  LL_REAL(int, epoll_create, (int));
  atomic_fetch_add(&ll_runtime_epoll_epoch, 1);
  return real_epoll_create ? real_epoll_create(size) : -1;
}

LL_EXPORT int epoll_create1(int flags) {
  LL_REAL(int, epoll_create1, (int));
  atomic_fetch_add(&ll_runtime_epoll_epoch, 1);
  return real_epoll_create1 ? real_epoll_create1(flags) : -1;
}

/* poll/select: a loop wait for PollSelector/SelectSelector loops; inside an epoll loop's
 * gap, a blocking wait (a socket timeout, subprocess.communicate). */
static ll_runtime_fd_kind pollfd_kind(const struct pollfd *fds, nfds_t n) {
  int v[16], k = 0;
  for (nfds_t i = 0; i < n && k < 16; i++) v[k++] = fds[i].fd;
  return wait_kind_of(v, k);
}

static ll_runtime_fd_kind fdset_kind(int nfds, const fd_set *a, const fd_set *b, const fd_set *c) {
  int v[16], k = 0;
  for (int fd = 0; fd < nfds && fd < FD_SETSIZE && k < 16; fd++)
    if ((a && FD_ISSET(fd, a)) || (b && FD_ISSET(fd, b)) || (c && FD_ISSET(fd, c))) v[k++] = fd;
  return wait_kind_of(v, k);
}

#define LL_POLL_BODY(nonblock, kind_expr, call_expr)                                        \
  ll_runtime_loop *w = ll_runtime_wait_loop(-1, LL_WAIT_POLL);                             \
  if (w) {                                                                                 \
    ll_runtime_wait_enter(w);                                                              \
    __typeof__(call_expr) r = call_expr;                                                   \
    ll_runtime_wait_exit(w);                                                               \
    return r;                                                                              \
  }                                                                                        \
  ll_runtime_loop *lp = (nonblock) ? NULL : ll_runtime_gap();                              \
  const char *code = lp ? ll_runtime_code_for(ll_runtime_call_get(LL_CALL_POLL), kind_expr, 0) : NULL; \
  if (!code) return call_expr;                                                             \
  uint64_t t0 = ll_runtime_now_ns();                                                       \
  ll_runtime_me.guard++;                                                                   \
  __typeof__(call_expr) r = call_expr;                                                     \
  ll_runtime_me.guard--;                                                                   \
  ll_runtime_record(lp, LL_CALL_POLL, code, t0);                                           \
  return r

LL_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout) {
  LL_REAL(int, poll, (struct pollfd *, nfds_t, int));
  LL_POLL_BODY(timeout == 0, pollfd_kind(fds, n), real_poll(fds, n, timeout));
}

LL_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen) {
  LL_REAL(int, __poll_chk, (struct pollfd *, nfds_t, int, size_t));
  LL_POLL_BODY(timeout == 0, pollfd_kind(fds, n), real___poll_chk(fds, n, timeout, fdslen));
}

LL_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask) {
  LL_REAL(int, ppoll, (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *));
  LL_POLL_BODY(tmo && tmo->tv_sec == 0 && tmo->tv_nsec == 0, pollfd_kind(fds, n),
               real_ppoll(fds, n, tmo, mask));
}

LL_EXPORT int select(int nfds, fd_set *restrict rfds, fd_set *restrict wfds, fd_set *restrict efds,
                     struct timeval *restrict tmo) {
  LL_REAL(int, select, (int, fd_set *, fd_set *, fd_set *, struct timeval *));
  LL_POLL_BODY(tmo && tmo->tv_sec == 0 && tmo->tv_usec == 0, fdset_kind(nfds, rfds, wfds, efds),
               real_select(nfds, rfds, wfds, efds, tmo));
}

LL_EXPORT int pselect(int nfds, fd_set *restrict rfds, fd_set *restrict wfds, fd_set *restrict efds,
                      const struct timespec *restrict tmo, const sigset_t *restrict mask) {
  LL_REAL(int, pselect, (int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *));
  LL_POLL_BODY(tmo && tmo->tv_sec == 0 && tmo->tv_nsec == 0, fdset_kind(nfds, rfds, wfds, efds),
               real_pselect(nfds, rfds, wfds, efds, tmo, mask));
}

/* --- lifecycle ------------------------------------------------------------------------------ */

LL_EXPORT int close(int fd) {
  LL_REAL(int, close, (int));
  int r = real_close(fd);
  if (ll_runtime_cfg.enabled) {
    int saved = errno;
    ll_runtime_forget_fd(fd);
    errno = saved;
  }
  return r;
}
