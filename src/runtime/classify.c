/* classify.c: the call table (libc name -> family, Python hint), the descriptor-kind rules
 * and the frame rules (user code, asyncio, library). Pure functions over their arguments:
 * safe in a signal handler, and linked both into libloopwatch.so and into unit tests. */
#include "classify.h"

#include <string.h>
#include <sys/stat.h>

/* Indexed by ll_runtime_call_id: keep in the enum's order. */
static const ll_runtime_call CALLS[LL_CALL_COUNT] = {
    [LL_CALL_NANOSLEEP] = {"nanosleep", LL_FAMILY_SLEEP, "time.sleep"},
    [LL_CALL_CLOCK_NANOSLEEP] = {"clock_nanosleep", LL_FAMILY_SLEEP, "time.sleep"},
    [LL_CALL_USLEEP] = {"usleep", LL_FAMILY_SLEEP, "time.sleep"},
    [LL_CALL_SLEEP] = {"sleep", LL_FAMILY_SLEEP, "time.sleep"},
    [LL_CALL_OPEN] = {"open", LL_FAMILY_PATH, "open"},
    [LL_CALL_OPENAT] = {"openat", LL_FAMILY_PATH, "open"},
    [LL_CALL_STAT] = {"stat", LL_FAMILY_PATH, "os.stat / os.path.exists"},
    [LL_CALL_LSTAT] = {"lstat", LL_FAMILY_PATH, "os.lstat / os.path.islink"},
    [LL_CALL_FSTATAT] = {"fstatat", LL_FAMILY_PATH, "os.stat / pathlib"},
    [LL_CALL_STATX] = {"statx", LL_FAMILY_PATH, "os.stat"},
    [LL_CALL_ACCESS] = {"access", LL_FAMILY_PATH, "os.access"},
    [LL_CALL_OPENDIR] = {"opendir", LL_FAMILY_PATH, "os.listdir / os.scandir"},
    [LL_CALL_GETDENTS] = {"getdents64", LL_FAMILY_FD_IO, "os.listdir / os.scandir"},
    [LL_CALL_READ] = {"read", LL_FAMILY_FD_IO, "file.read"},
    [LL_CALL_WRITE] = {"write", LL_FAMILY_FD_IO, "file.write"},
    [LL_CALL_PREAD] = {"pread", LL_FAMILY_FD_IO, "os.pread"},
    [LL_CALL_PWRITE] = {"pwrite", LL_FAMILY_FD_IO, "os.pwrite"},
    [LL_CALL_FSYNC] = {"fsync", LL_FAMILY_SYNC, "os.fsync"},
    [LL_CALL_FDATASYNC] = {"fdatasync", LL_FAMILY_SYNC, "os.fdatasync"},
    [LL_CALL_CONNECT] = {"connect", LL_FAMILY_SOCKET, "socket.connect"},
    [LL_CALL_ACCEPT] = {"accept", LL_FAMILY_SOCKET, "socket.accept"},
    [LL_CALL_RECV] = {"recv", LL_FAMILY_SOCKET, "socket.recv"},
    [LL_CALL_RECVFROM] = {"recvfrom", LL_FAMILY_SOCKET, "socket.recvfrom"},
    [LL_CALL_RECVMSG] = {"recvmsg", LL_FAMILY_SOCKET, "socket.recvmsg"},
    [LL_CALL_SEND] = {"send", LL_FAMILY_SOCKET, "socket.send"},
    [LL_CALL_SENDTO] = {"sendto", LL_FAMILY_SOCKET, "socket.sendto"},
    [LL_CALL_SENDMSG] = {"sendmsg", LL_FAMILY_SOCKET, "socket.sendmsg"},
    [LL_CALL_GETADDRINFO] = {"getaddrinfo", LL_FAMILY_DNS, "socket.getaddrinfo"},
    [LL_CALL_GETNAMEINFO] = {"getnameinfo", LL_FAMILY_DNS, "socket.getnameinfo"},
    [LL_CALL_GETHOSTBYNAME] = {"gethostbyname", LL_FAMILY_DNS, "socket.gethostbyname"},
    [LL_CALL_GETHOSTBYADDR] = {"gethostbyaddr", LL_FAMILY_DNS, "socket.gethostbyaddr"},
    [LL_CALL_FORK] = {"fork", LL_FAMILY_PROCESS, "os.fork"},
    [LL_CALL_POSIX_SPAWN] = {"posix_spawn", LL_FAMILY_PROCESS, "subprocess / os.posix_spawn"},
    [LL_CALL_WAITPID] = {"waitpid", LL_FAMILY_PROCESS, "subprocess.run / Popen.wait"},
    [LL_CALL_WAIT4] = {"wait4", LL_FAMILY_PROCESS, "os.wait4"},
    [LL_CALL_WAITID] = {"waitid", LL_FAMILY_PROCESS, "os.waitid"},
    [LL_CALL_SYSTEM] = {"system", LL_FAMILY_PROCESS, "os.system"},
    [LL_CALL_POLL] = {"poll", LL_FAMILY_WAIT, "a socket timeout or subprocess.communicate"},
    [LL_CALL_SELECT] = {"select", LL_FAMILY_WAIT, "select.select"},
};

/* Other spellings the hooks interpose (large-file, fortified, legacy stat ABI). */
static const struct {
  const char *alias;
  ll_runtime_call_id id;
} ALIASES[] = {
    {"open64", LL_CALL_OPEN},       {"__open_2", LL_CALL_OPEN},
    {"__open64_2", LL_CALL_OPEN},   {"openat64", LL_CALL_OPENAT},
    {"__openat_2", LL_CALL_OPENAT}, {"__openat64_2", LL_CALL_OPENAT},
    {"stat64", LL_CALL_STAT},       {"__xstat", LL_CALL_STAT},
    {"__xstat64", LL_CALL_STAT},    {"lstat64", LL_CALL_LSTAT},
    {"__lxstat", LL_CALL_LSTAT},    {"__lxstat64", LL_CALL_LSTAT},
    {"fstatat64", LL_CALL_FSTATAT}, {"__fxstatat", LL_CALL_FSTATAT},
    {"__fxstatat64", LL_CALL_FSTATAT}, {"fdopendir", LL_CALL_OPENDIR},
    {"__read_chk", LL_CALL_READ},   {"pread64", LL_CALL_PREAD},
    {"pwrite64", LL_CALL_PWRITE},   {"accept4", LL_CALL_ACCEPT},
    {"__recv_chk", LL_CALL_RECV},   {"__recvfrom_chk", LL_CALL_RECVFROM},
    {"gethostbyname_r", LL_CALL_GETHOSTBYNAME}, {"gethostbyname2_r", LL_CALL_GETHOSTBYNAME},
    {"gethostbyaddr_r", LL_CALL_GETHOSTBYADDR}, {"posix_spawnp", LL_CALL_POSIX_SPAWN},
    {"wait", LL_CALL_WAITPID},      {"ppoll", LL_CALL_POLL},
    {"__poll_chk", LL_CALL_POLL},   {"pselect", LL_CALL_SELECT},
};

const ll_runtime_call *ll_runtime_call_get(ll_runtime_call_id id) {
  return (unsigned)id < LL_CALL_COUNT ? &CALLS[id] : NULL;
}

const ll_runtime_call *ll_runtime_call_find(const char *name) {
  if (!name) return NULL;
  for (int i = 0; i < LL_CALL_COUNT; i++)
    if (strcmp(CALLS[i].name, name) == 0) return &CALLS[i];
  for (size_t i = 0; i < sizeof ALIASES / sizeof ALIASES[0]; i++)
    if (strcmp(ALIASES[i].alias, name) == 0) return &CALLS[ALIASES[i].id];
  return NULL;
}

ll_runtime_fd_kind ll_runtime_fd_kind_from_mode(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return LL_FD_REGULAR;
    case S_IFDIR: return LL_FD_DIR;
    case S_IFSOCK: return LL_FD_SOCKET;
    case S_IFIFO: return LL_FD_PIPE;
    case S_IFCHR: return LL_FD_CHAR;
    default: return LL_FD_OTHER;
  }
}

const char *ll_runtime_code_for(const ll_runtime_call *call, ll_runtime_fd_kind kind, int nonblock) {
  if (!call) return NULL;
  switch (call->family) {
    case LL_FAMILY_SLEEP: return "LOOP101";
    case LL_FAMILY_SYNC: return "LOOP104";
    case LL_FAMILY_DNS: return "LOOP105";
    case LL_FAMILY_PROCESS: return nonblock ? NULL : "LOOP103";
    case LL_FAMILY_PATH:
      /* Opening /dev/null or a terminal is not disk I/O; a failed lookup still was. */
      return kind == LL_FD_CHAR || kind == LL_FD_SOCKET ? NULL : "LOOP104";
    case LL_FAMILY_FD_IO:
      /* Files and directories block on the disk whatever O_NONBLOCK says. Pipes and
       * terminals are left out: print() to a piped stdout is not what anyone wants flagged. */
      if (kind == LL_FD_REGULAR || kind == LL_FD_DIR) return "LOOP104";
      if (kind == LL_FD_SOCKET && !nonblock) return "LOOP105";
      return NULL;
    case LL_FAMILY_SOCKET: return kind == LL_FD_SOCKET && !nonblock ? "LOOP105" : NULL;
    case LL_FAMILY_WAIT:
      if (nonblock) return NULL;
      if (kind == LL_FD_SOCKET) return "LOOP105";
      if (kind == LL_FD_PIPE) return "LOOP103"; /* subprocess.communicate, Popen pipes */
      return "LOOP106";
  }
  return NULL;
}

static int starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Returns the part of filename after a ".../lib/pythonX.Y/" directory, or NULL. */
static const char *after_lib_python(const char *filename) {
  for (const char *p = strstr(filename, "/lib/python3"); p; p = strstr(p + 1, "/lib/python3")) {
    const char *q = p + strlen("/lib/python3");
    while ((*q >= '0' && *q <= '9') || *q == '.') q++;
    if (*q == '/') return q + 1;
  }
  return NULL;
}

ll_runtime_frame_class ll_runtime_frame_classify(const char *filename, const char *stdlib_dir) {
  if (!filename || !*filename || filename[0] == '<') return LL_FRAME_LIBRARY;
  if (strstr(filename, "/site-packages/") || strstr(filename, "/dist-packages/"))
    return LL_FRAME_LIBRARY;
  const char *rel = NULL;
  if (stdlib_dir && *stdlib_dir && starts_with(filename, stdlib_dir))
    rel = filename + strlen(stdlib_dir);
  else
    rel = after_lib_python(filename);
  if (!rel) return LL_FRAME_USER;
  return starts_with(rel, "asyncio/") ? LL_FRAME_ASYNCIO : LL_FRAME_LIBRARY;
}

int ll_runtime_stdlib_dir_from(const char *filename, char *out, size_t cap) {
  if (!filename || filename[0] != '/') return -1;
  const char *cut = NULL;
  const char *a = strstr(filename, "/asyncio/");
  if (a) cut = a + 1;
  else if (ends_with(filename, "/selectors.py")) cut = filename + strlen(filename) - strlen("selectors.py");
  if (!cut) return -1;
  size_t n = (size_t)(cut - filename);
  if (n + 1 > cap) return -1;
  memcpy(out, filename, n);
  out[n] = '\0';
  return 0;
}

int ll_runtime_is_selector_wait(const char *inner_file, const char *inner_func,
                                const char *outer_file, const char *outer_func) {
  if (!inner_file || !inner_func || !outer_file || !outer_func) return 0;
  /* selectors.EpollSelector.select (qualname) or select (3.10 co_name). */
  if (!ends_with(inner_file, "/selectors.py") || !ends_with(inner_func, "select")) return 0;
  return strstr(outer_file, "/asyncio/") != NULL && ends_with(outer_func, "_run_once");
}
