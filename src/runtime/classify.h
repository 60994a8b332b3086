/* classify.h: what the runtime knows, kept apart from libc interposition so a unit test can
 * link it without preloading anything: which blocking libc calls exist and which looplint code
 * each maps to, which kinds of file descriptor make a read or a send block, and which Python
 * frames are user code. Used by libloopwatch.so (in hooks, so everything here is
 * async-signal-safe: no allocation, no locks, no stdio) and by `looplint watch`. */
#ifndef LL_RUNTIME_CLASSIFY_H
#define LL_RUNTIME_CLASSIFY_H
#include <stddef.h>

/* How a call blocks, which decides its code. */
typedef enum ll_runtime_family {
  LL_FAMILY_SLEEP,   /* always blocks: LOOP101 */
  LL_FAMILY_PATH,    /* path lookup (open, stat, opendir): LOOP104 unless it opened a device */
  LL_FAMILY_FD_IO,   /* read/write: LOOP104 on files, LOOP105 on blocking sockets */
  LL_FAMILY_SYNC,    /* fsync: LOOP104 */
  LL_FAMILY_SOCKET,  /* connect/recv/send/accept: LOOP105 when the socket is blocking */
  LL_FAMILY_DNS,     /* resolver: LOOP105 */
  LL_FAMILY_PROCESS, /* fork/spawn/wait: LOOP103 (a non-blocking wait is passed as nonblock) */
  LL_FAMILY_WAIT,    /* poll/select inside a callback: code from the kinds it waits on */
} ll_runtime_family;

/* Every interposed blocking call; the hooks name theirs by this id (no string compares). */
typedef enum ll_runtime_call_id {
  LL_CALL_NANOSLEEP, LL_CALL_CLOCK_NANOSLEEP, LL_CALL_USLEEP, LL_CALL_SLEEP,
  LL_CALL_OPEN, LL_CALL_OPENAT, LL_CALL_STAT, LL_CALL_LSTAT, LL_CALL_FSTATAT, LL_CALL_STATX,
  LL_CALL_ACCESS, LL_CALL_OPENDIR, LL_CALL_GETDENTS,
  LL_CALL_READ, LL_CALL_WRITE, LL_CALL_PREAD, LL_CALL_PWRITE, LL_CALL_FSYNC, LL_CALL_FDATASYNC,
  LL_CALL_CONNECT, LL_CALL_ACCEPT, LL_CALL_RECV, LL_CALL_RECVFROM, LL_CALL_RECVMSG,
  LL_CALL_SEND, LL_CALL_SENDTO, LL_CALL_SENDMSG,
  LL_CALL_GETADDRINFO, LL_CALL_GETNAMEINFO, LL_CALL_GETHOSTBYNAME, LL_CALL_GETHOSTBYADDR,
  LL_CALL_FORK, LL_CALL_POSIX_SPAWN, LL_CALL_WAITPID, LL_CALL_WAIT4, LL_CALL_WAITID,
  LL_CALL_SYSTEM,
  LL_CALL_POLL, LL_CALL_SELECT,
  LL_CALL_COUNT
} ll_runtime_call_id;

typedef struct ll_runtime_call {
  const char *name; /* the libc name, as messages print it */
  ll_runtime_family family;
  const char *hint; /* the Python API that usually ends up here, for the message */
} ll_runtime_call;

const ll_runtime_call *ll_runtime_call_get(ll_runtime_call_id id);
/* By libc name (also the _64/__*_chk spellings); NULL when the call is not interposed. */
const ll_runtime_call *ll_runtime_call_find(const char *name);

typedef enum ll_runtime_fd_kind {
  LL_FD_UNKNOWN, /* not a descriptor call, or fstat failed */
  LL_FD_REGULAR,
  LL_FD_DIR,
  LL_FD_SOCKET,
  LL_FD_PIPE,
  LL_FD_CHAR, /* terminals, /dev/null, /dev/urandom */
  LL_FD_OTHER,
} ll_runtime_fd_kind;

/* From struct stat's st_mode. */
ll_runtime_fd_kind ll_runtime_fd_kind_from_mode(unsigned mode);

/* The looplint code ("LOOP101"...) for call on a descriptor of kind, or NULL when it cannot
 * block the loop. nonblock: O_NONBLOCK, MSG_DONTWAIT, WNOHANG or a zero poll timeout. */
const char *ll_runtime_code_for(const ll_runtime_call *call, ll_runtime_fd_kind kind, int nonblock);

/* Where a Python frame's code lives. */
typedef enum ll_runtime_frame_class {
  LL_FRAME_USER,    /* the program's own code: where events are reported */
  LL_FRAME_ASYNCIO, /* the stdlib asyncio package: a blocking call it makes is its design */
  LL_FRAME_LIBRARY, /* rest of the stdlib, site-packages, dist-packages, frozen "<...>" */
} ll_runtime_frame_class;

/* stdlib_dir may be "" when not known yet; "/lib/pythonX.Y/" paths count as stdlib anyway. */
ll_runtime_frame_class ll_runtime_frame_classify(const char *filename, const char *stdlib_dir);

/* Derives the stdlib directory (with a trailing '/') from the file of a frame of selectors.py
 * or of a module of the asyncio package. Returns 0 and fills out, or -1. */
int ll_runtime_stdlib_dir_from(const char *filename, char *out, size_t cap);

/* Is a wait made by asyncio's selector? inner is the innermost Python frame (the selector's
 * select()), outer its caller (BaseEventLoop._run_once). */
int ll_runtime_is_selector_wait(const char *inner_file, const char *inner_func,
                                const char *outer_file, const char *outer_func);

#endif
