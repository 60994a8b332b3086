/* native_loop.c: a C program with an epoll event loop, for running under libloopwatch.so
 * without any Python in the process. Between waits it does what argv[1] says:
 *   sleep  usleep(20 ms)                     -> LOOP101 `usleep`, no Python frame
 *   file   open + read a regular file        -> LOOP104
 *   stall  spin 150 ms on the CPU            -> LOOP106 stall
 *   vfork  vfork a child that reads a file, closes the loop's epoll fd and exits, then
 *          waitpid + usleep(20 ms) in the parent -> LOOP103 and LOOP101 of the parent only:
 *          the child shares the parent's memory and must neither record nor end the loop
 *   none   nothing                           -> no event
 * Three waits, so two gaps count; the blocking call after the last wait is followed by
 * close(epfd), which ends the loop: it must not be reported. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void work(const char *what, const char *self, int ep) {
  if (strcmp(what, "sleep") == 0) {
    usleep(20000);
  } else if (strcmp(what, "file") == 0) {
    char buf[256];
    int fd = open(self, O_RDONLY);
    if (fd >= 0) {
      if (read(fd, buf, sizeof buf) < 0) perror("read");
      close(fd);
    }
  } else if (strcmp(what, "vfork") == 0) {
    pid_t pid = vfork();
    if (pid == 0) {
      char buf[64];
      int fd = open(self, O_RDONLY);
      if (fd >= 0 && read(fd, buf, sizeof buf) < 0) _exit(2);
      close(ep);
      _exit(0);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0) { fprintf(stderr, "vfork failed\n"); _exit(1); }
    usleep(20000);
  } else if (strcmp(what, "stall") == 0) {
    double end = now() + 0.15;
    while (now() < end) {}
  }
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "none";
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) { perror("epoll_create1"); return 1; }
  struct epoll_event ev;
  for (int i = 0; i < 3; i++) {
    if (epoll_wait(ep, &ev, 1, 1) < 0) { perror("epoll_wait"); return 1; }
    work(what, argv[0], ep);
  }
  close(ep);
  return 0;
}
