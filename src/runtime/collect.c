/* collect.c: ll_watch_collect, the engine of `looplint watch`: find libloopwatch.so, run the
 * command with it preloaded and LOOPWATCH_OUT naming a fresh temporary file, wait, then read
 * the event lines every process of the command appended there and turn them into findings. */
#define _GNU_SOURCE
#include "collect.h"
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../diag/registry.h"
#include "../util/strbuf.h"
#include "../util/strmap.h"
#include "../util/vec.h"

extern char **environ;

#define LL_WATCH_LIB "libloopwatch.so"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define LL_WATCH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LL_WATCH_SANITIZED 1
#endif
#endif
#ifndef LL_WATCH_SANITIZED
#define LL_WATCH_SANITIZED 0
#endif

static int readable_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* Writes the absolute form of path into out when it is a readable file. */
static int accept_candidate(const char *path, char *out, size_t cap) {
  char real[PATH_MAX];
  if (!readable_file(path) || !realpath(path, real) || strlen(real) >= cap) return -1;
  strcpy(out, real);
  return 0;
}

int ll_watch_find_library(const char *self_exe, const char *env_lib, char *out, size_t cap) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  int found = -1;
  if (self_exe && *self_exe) {
    /* the executable's folder: its path up to the last slash, or `.` */
    char dir[PATH_MAX] = ".";
    const char *slash = strrchr(self_exe, '/');
    if (slash && (size_t)(slash - self_exe) < sizeof dir) {
      memcpy(dir, self_exe, (size_t)(slash - self_exe));
      dir[slash - self_exe] = 0;
    }
    ll_strbuf_add(&sb, dir);
    ll_strbuf_add(&sb, "/" LL_WATCH_LIB);
    found = accept_candidate(sb.data, out, cap);
    if (found != 0) {
      ll_strbuf_clear(&sb);
      ll_strbuf_add(&sb, dir);
      ll_strbuf_add(&sb, "/../lib/looplint/" LL_WATCH_LIB);
      found = accept_candidate(sb.data, out, cap);
    }
  }
  if (found != 0 && env_lib && *env_lib) {
    struct stat st;
    ll_strbuf_clear(&sb);
    ll_strbuf_add(&sb, env_lib);
    if (stat(env_lib, &st) == 0 && S_ISDIR(st.st_mode)) ll_strbuf_add(&sb, "/" LL_WATCH_LIB);
    found = accept_candidate(sb.data, out, cap);
  }
  ll_strbuf_free(&sb);
  return found;
}

static int is_sanitizer_runtime(const char *entry, size_t n) {
  const char *base = entry;
  for (size_t i = 0; i < n; i++)
    if (entry[i] == '/') base = entry + i + 1;
  static const char *const names[] = {"libasan", "libubsan", "liblsan", "libtsan", "libhwasan",
                                      "libclang_rt.asan", "libclang_rt.ubsan"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strncmp(base, names[i], strlen(names[i])) == 0) return 1;
  return 0;
}

char *ll_watch_preload_value(const char *existing, const char *lib, int strip_sanitizers) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  const char *p = existing ? existing : "";
  while (*p) {
    size_t n = strcspn(p, ": ");
    int keep = n > 0 && !(strlen(lib) == n && strncmp(p, lib, n) == 0) &&
               !(strip_sanitizers && is_sanitizer_runtime(p, n));
    if (keep) {
      if (sb.len) ll_strbuf_addc(&sb, ':');
      ll_strbuf_addn(&sb, p, n);
    }
    p += n;
    if (*p) p++;
  }
  if (sb.len) ll_strbuf_addc(&sb, ':');
  ll_strbuf_add(&sb, lib);
  return ll_strbuf_detach(&sb);
}

static int env_name_is(const char *entry, const char *name) {
  size_t n = strlen(name);
  return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

char **ll_watch_child_env(char *const *env, const char *preload, const char *out_path, int stall_ms) {
  size_t n = 0;
  while (env && env[n]) n++;
  char **out = ll_xcalloc(n + 4, sizeof *out);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!env_name_is(env[i], "LD_PRELOAD") && !env_name_is(env[i], "LOOPWATCH_OUT") &&
        !env_name_is(env[i], "LOOPWATCH_STALL_MS"))
      out[k++] = ll_xstrdup(env[i]);
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  ll_strbuf_addf(&sb, "LD_PRELOAD=%s", preload);
  out[k++] = ll_strbuf_detach(&sb);
  ll_strbuf_addf(&sb, "LOOPWATCH_OUT=%s", out_path);
  out[k++] = ll_strbuf_detach(&sb);
  ll_strbuf_addf(&sb, "LOOPWATCH_STALL_MS=%d", stall_ms);
  out[k++] = ll_strbuf_detach(&sb);
  out[k] = NULL;
  return out;
}

void ll_watch_env_free(char **env) {
  if (!env) return;
  for (size_t i = 0; env[i]; i++) free(env[i]);
  free(env);
}

static void add_duration(ll_strbuf *sb, unsigned long long us) {
  if (us >= 10000) ll_strbuf_addf(sb, "%llu ms", (us + 500) / 1000);
  else if (us >= 1000) ll_strbuf_addf(sb, "%.1f ms", (double)us / 1000.0);
  else ll_strbuf_addf(sb, "%llu us", us);
}

char *ll_watch_event_message(const ll_runtime_event_view *ev) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  if (ev->kind == LL_EVENT_STALL) {
    ll_strbuf_add(&sb, "the event loop stalled for ");
    add_duration(&sb, ev->dur_us);
    if (*ev->func) ll_strbuf_addf(&sb, " in %s()", ev->func);
    if (*ev->file) ll_strbuf_add(&sb, " (a callback ran that long without awaiting)");
    else ll_strbuf_add(&sb, " (no Python frame could be sampled)");
    return ll_strbuf_detach(&sb);
  }
  ll_strbuf_addf(&sb, "`%s` blocked ", *ev->call ? ev->call : "?");
  ll_strbuf_add(&sb, ev->in_loop ? "the event loop for " : "for ");
  add_duration(&sb, ev->dur_us);
  if (*ev->func) ll_strbuf_addf(&sb, " in %s()", ev->func);
  if (!ev->in_loop) ll_strbuf_add(&sb, " (outside any event loop: LOOPWATCH_NATIVE=all)");
  else if (!*ev->file) ll_strbuf_add(&sb, " (native code: no Python frame)");
  else if (*ev->hint) ll_strbuf_addf(&sb, " (%s?)", ev->hint);
  return ll_strbuf_detach(&sb);
}

/* UTF-8 characters in s[0, n). */
static uint32_t utf8_chars(const char *s, size_t n) {
  uint32_t c = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
  return c;
}

void ll_watch_line_span(const char *path, uint32_t row, ll_pos *start, ll_pos *end) {
  *start = (ll_pos){row, 1};
  *end = (ll_pos){row, 1};
  FILE *f = fopen(path, "r");
  if (!f) return;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = 0;
  for (uint32_t r = 1; r <= row && (n = getline(&line, &cap, f)) >= 0; r++) {}
  if (n > 0) {
    size_t a = 0, b = (size_t)n;
    /* Drop a trailing comment: the first '#' outside a string literal. */
    char quote = 0;
    for (size_t i = 0; i < b; i++) {
      char c = line[i];
      if (quote) {
        if (c == '\\') i++;
        else if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '#') {
        b = i;
      }
    }
    while (a < b && (line[a] == ' ' || line[a] == '\t')) a++;
    while (b > a && (line[b - 1] == '\n' || line[b - 1] == '\r' || line[b - 1] == ' ' || line[b - 1] == '\t')) b--;
    if (b > a) {
      start->col = utf8_chars(line, a) + 1;
      end->col = utf8_chars(line, b) + 1;
    }
  }
  free(line);
  fclose(f);
}

size_t ll_watch_add_events(char *text, ll_findings *out) {
  ll_strmap seen; /* "file\037line\037code" -> 1 + index into out */
  ll_strmap_init(&seen);
  LL_VEC(char *) keys = {0};
  LL_VEC(unsigned long long) longest = {0}; /* by index - base */
  size_t base = out->v.len, nevents = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    ll_runtime_event_view ev;
    if (ll_runtime_event_parse(line, &ev) != 0) continue;
    const char *code = ll_registry_code(ev.code);
    if (!code) continue;
    nevents++;
    const char *file = *ev.file ? ev.file : *ev.exe ? ev.exe : "<unknown>";
    unsigned row = ev.line ? ev.line : 1;
    ll_strbuf key;
    ll_strbuf_init(&key);
    ll_strbuf_addf(&key, "%s\037%u\037%s", file, row, code);
    uintptr_t at = (uintptr_t)ll_strmap_get(&seen, key.data);
    if (at) {
      size_t i = at - 1;
      if (ev.dur_us > longest.items[i - base]) { /* the longest event names the finding */
        longest.items[i - base] = ev.dur_us;
        free(out->v.items[i].message);
        out->v.items[i].message = ll_watch_event_message(&ev);
      }
      ll_strbuf_free(&key);
      continue;
    }
    char *msg = ll_watch_event_message(&ev);
    ll_pos start, end;
    ll_watch_line_span(file, row, &start, &end);
    ll_findings_add(out, code, file, start, end, "%s", msg);
    free(msg);
    char *k = ll_strbuf_detach(&key);
    ll_vec_push(&keys, k);
    ll_vec_push(&longest, ev.dur_us);
    ll_strmap_put(&seen, k, (void *)(uintptr_t)out->v.len);
  }
  for (size_t i = 0; i < keys.len; i++) free(keys.items[i]);
  ll_vec_free(&keys);
  ll_vec_free(&longest);
  ll_strmap_free(&seen);
  return nevents;
}

/* Reads all of fd from offset 0 into an owned, NUL-terminated string. */
static char *read_all(int fd) {
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  ll_strbuf_add(&sb, "");
  char buf[65536];
  off_t off = 0;
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof buf, off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    ll_strbuf_addn(&sb, buf, (size_t)n);
    off += n;
  }
  return ll_strbuf_detach(&sb);
}

/* Runs cmd with env and waits for it; returns its status (128+N when killed by signal N) or
 * -1 when it could not be started. Interrupts from the terminal go to the command; looplint
 * waits for it to finish and still reports. */
static int run_command(char **cmd, char **env) {
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGQUIT);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  struct sigaction ign = {0}, old_int, old_quit;
  ign.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ign, &old_int);
  sigaction(SIGQUIT, &ign, &old_quit);
  pid_t pid;
  int err = posix_spawnp(&pid, cmd[0], NULL, &attr, cmd, env);
  posix_spawnattr_destroy(&attr);
  int status = -1;
  if (err != 0) {
    fprintf(stderr, "looplint watch: cannot run '%s': %s\n", cmd[0], strerror(err));
  } else {
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGQUIT, &old_quit, NULL);
  return status;
}

int ll_watch_collect(char **cmd, int stall_ms, ll_findings *out, int *cmd_status) {
  *cmd_status = 2;
  if (!cmd || !cmd[0]) {
    fprintf(stderr, "looplint watch: no command given\n");
    return -1;
  }
  char self[PATH_MAX], lib[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = '\0';
  if (ll_watch_find_library(self, getenv("LOOPLINT_LIB"), lib, sizeof lib) != 0) {
    fprintf(stderr, "looplint watch: cannot find " LL_WATCH_LIB " next to %s, in its "
                    "../lib/looplint/, or at $LOOPLINT_LIB\n", *self ? self : "looplint");
    return -1;
  }
  if (strpbrk(lib, ": ")) { /* LD_PRELOAD cannot quote */
    fprintf(stderr, "looplint watch: the library path '%s' contains ':' or ' '\n", lib);
    return -1;
  }
  const char *tmpdir = getenv("TMPDIR");
  ll_strbuf path;
  ll_strbuf_init(&path);
  ll_strbuf_addf(&path, "%s/looplint-watch-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
  int fd = mkostemp(path.data, O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "looplint watch: cannot create %s: %s\n", path.data, strerror(errno));
    ll_strbuf_free(&path);
    return -1;
  }
  char *preload = ll_watch_preload_value(getenv("LD_PRELOAD"), lib, LL_WATCH_SANITIZED);
  char **env = ll_watch_child_env(environ, preload, path.data, stall_ms);
  int status = run_command(cmd, env);
  ll_watch_env_free(env);
  free(preload);
  if (status >= 0) {
    char *text = read_all(fd);
    ll_watch_add_events(text, out);
    free(text);
    *cmd_status = status;
  }
  unlink(path.data);
  close(fd);
  ll_strbuf_free(&path);
  return status >= 0 ? 0 : -1;
}
