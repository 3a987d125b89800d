/* gtw-pslist: ground truth for `guestrace ps`: one line per process from
 * /proc, "GTPS {"pid":..,"ppid":..,"uid":..,"gid":..,"kthread":..,"comm":"..",
 * "name":".."}" (comm: the task's comm; name: what /proc shows).
 * Its own calls are not logged (it reads /proc with libc). */
#include "wl.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PF_WQ_WORKER 0x00000020UL   /* include/linux/sched.h */
#define PF_KTHREAD 0x00200000UL

static int read_file(const char *path, char *buf, size_t size)
{
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  size_t n = fread(buf, 1, size - 1, f);
  fclose(f);
  buf[n] = '\0';
  return 0;
}

static int status_id(const char *status, const char *key)
{
  const char *p = strstr(status, key);
  return p ? atoi(p + strlen(key)) : -1;
}

int main(void)
{
  DIR *d = opendir("/proc");
  if (!d)
    return 1;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!isdigit((unsigned char)e->d_name[0]))
      continue;
    char path[300], stat[1024], status[4096];
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    if (read_file(path, stat, sizeof stat) < 0)
      continue;
    snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
    if (read_file(path, status, sizeof status) < 0)
      continue;
    /* stat: "pid (comm) state ppid ..."; comm may hold ')' and spaces. */
    char *l = strchr(stat, '('), *r = strrchr(stat, ')');
    if (!l || !r || r < l)
      continue;
    int ppid = -1;
    unsigned long flags = 0;
    char state;
    if (sscanf(r + 1, " %c %d %*d %*d %*d %*d %lu", &state, &ppid, &flags) != 3)
      continue;
    /* /proc shows kernel threads' full names and appends a workqueue
     * worker's current work ("kworker/0:1-events"); the task's comm (what
     * a tracer reads from task_struct) is the worker name, at most 15
     * bytes. "name" keeps what /proc shows. */
    char comm[64];
    size_t clen = (size_t)(r - l - 1);
    if (clen >= sizeof comm)
      clen = sizeof comm - 1;
    memcpy(comm, l + 1, clen);
    comm[clen] = '\0';
    size_t tlen = clen;
    /* Pool workers are "kworker/..." (a rescuer's comm is its workqueue's
     * name, possibly holding '-', and gets no suffix while idle; newer
     * kernels name rescuers "kworker/R-wq"). */
    if ((flags & PF_WQ_WORKER) && strncmp(comm, "kworker/", 8) == 0 &&
        strncmp(comm, "kworker/R-", 10) != 0)
      tlen = strcspn(comm, "-+");
    if (tlen > 15)
      tlen = 15;
    char j[512];
    size_t p = (size_t)snprintf(j, sizeof j,
        "{\"pid\":%d,\"ppid\":%d,\"uid\":%d,\"gid\":%d,\"kthread\":%s,\"comm\":",
        atoi(e->d_name), ppid, status_id(status, "\nUid:\t"),
        status_id(status, "\nGid:\t"), (flags & PF_KTHREAD) ? "true" : "false");
    wl_json_str(j, sizeof j - 40, &p, comm, tlen);
    j[p++] = ',';
    j[p] = '\0';
    p += (size_t)snprintf(j + p, sizeof j - p, "\"name\":");
    wl_json_str(j, sizeof j - 2, &p, comm, clen);
    j[p++] = '}';
    j[p] = '\0';
    wl_emit("GTPS", j);
  }
  closedir(d);
  return 0;
}
