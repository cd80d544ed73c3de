#include "CThreadPlacement.h"

#if defined(__linux__)
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int tp_current_cpu(void) { return sched_getcpu(); }

int tp_place_away(unsigned long thread, int cpu) {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return -1;
    if (cpu >= 0 && cpu < CPU_SETSIZE) CPU_CLR(cpu, &allowed);
    if (CPU_COUNT(&allowed) == 0) return -1;
    return pthread_setaffinity_np((pthread_t)thread, sizeof(allowed), &allowed) == 0 ? 0 : -1;
}

int tp_lower_priority(int increment) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    int current = getpriority(PRIO_PROCESS, (id_t)tid);
    int target = current + increment > 19 ? 19 : current + increment;
    return setpriority(PRIO_PROCESS, (id_t)tid, target) == 0 ? 0 : -1;
}
#else
int tp_lower_priority(int increment) { (void)increment; return -1; }
int tp_current_cpu(void) { return -1; }
int tp_place_away(unsigned long thread, int cpu) { (void)thread; (void)cpu; return -1; }
#endif
