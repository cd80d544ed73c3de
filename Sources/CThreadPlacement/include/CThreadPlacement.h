#ifndef CTHREADPLACEMENT_H
#define CTHREADPLACEMENT_H

/*
 * Which CPU a thread runs on, and keeping one thread off another's CPU: the Linux calls (sched_getcpu,
 * sched_getaffinity, pthread_setaffinity_np) that Swift's Glibc module does not import. Elsewhere they report
 * failure (-1) and change nothing.
 */

#ifdef __cplusplus
extern "C" {
#endif

/* The CPU the calling thread is running on, or -1. */
int tp_current_cpu(void);

/* Restricts `thread` (a pthread_t) to the CPUs this process may use except `cpu`; 0 on success, -1 when the call
 * failed or no other CPU is allowed (then nothing changes). */
int tp_place_away(unsigned long thread, int cpu);

/* Lowers the calling thread's scheduling priority: its nice value plus `increment` (at most 19), the thread only
 * (Linux keeps a nice value per thread); 0 on success, -1 when the call failed or elsewhere. */
int tp_lower_priority(int increment);

#ifdef __cplusplus
}
#endif

#endif
