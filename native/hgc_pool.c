// A tiny thread pool for the addon: the calling thread plus up to MAX_THREADS − 1 workers, one
// task at a time (the addon is only called from Node's main thread, synchronously).
//
// Why not OpenBLAS's threads: they serve only sgemm, not the built-in GEMM, the fused attention or
// the loops, and they wake for every product above OpenBLAS's own fixed size threshold. Here the
// caller decides by size which work is split.
//
// Waking a sleeping worker costs tens of microseconds, so a worker spins briefly after each task
// before it sleeps on its condition variable: the products of a training step follow each other
// closely, and the spin is bounded so an idle hgc does not hold a core.

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "hgc_native.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

enum { MAX_THREADS = 8 };
// How long a worker (and the caller waiting for the workers) spins before sleeping, in ns.
static const int64_t SPIN_NS = 50000;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER;
static int started = 0;        // workers running
static int threads = 1;        // threads a task may use, the caller included
static hgc_task_fn task_fn;    // the current task (written before `generation` is bumped)
static void* task_arg;
static int task_parts;
static atomic_uint generation;  // bumped once per task
static atomic_int pending;      // workers that have not finished the current task
// The generation current when each worker was created: its first task is the next one. (Read by
// the worker itself, it could miss a task issued before it first ran, and the caller would wait
// for it forever.)
static unsigned born[MAX_THREADS];

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void* worker(void* arg) {
  const int index = (int)(intptr_t)arg;  // 1 .. started
  unsigned seen = born[index];
  for (;;) {
    // Spin a little for the next task, then sleep.
    const int64_t until = now_ns() + SPIN_NS;
    int spins = 0;
    while (atomic_load_explicit(&generation, memory_order_acquire) == seen) {
      CPU_RELAX();
      if (++spins % 64 == 0 && now_ns() > until) break;
    }
    if (atomic_load_explicit(&generation, memory_order_acquire) == seen) {
      pthread_mutex_lock(&mu);
      while (atomic_load(&generation) == seen) pthread_cond_wait(&wake, &mu);
      pthread_mutex_unlock(&mu);
    }
    seen = atomic_load_explicit(&generation, memory_order_acquire);
    if (index < task_parts) task_fn(task_arg, index, task_parts);
    if (atomic_fetch_sub_explicit(&pending, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&mu);
      pthread_cond_signal(&finished);
      pthread_mutex_unlock(&mu);
    }
  }
  return NULL;
}

int hgc_pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  // Workers are started once and never stopped; fewer threads just gives them no part.
  while (started < n - 1) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    born[started + 1] = atomic_load(&generation);
    const int ok = pthread_create(&t, &attr, worker, (void*)(intptr_t)(started + 1)) == 0;
    pthread_attr_destroy(&attr);
    if (!ok) break;
    started++;
  }
  threads = started + 1 < n ? started + 1 : n;
  return threads;
}

int hgc_pool_threads(void) { return threads; }

void hgc_pool_run(hgc_task_fn fn, void* arg, int parts) {
  if (parts > threads) parts = threads;
  if (parts <= 1) {
    fn(arg, 0, 1);
    return;
  }
  task_fn = fn;
  task_arg = arg;
  task_parts = parts;
  // Every started worker acknowledges each task (those past `parts` do nothing).
  atomic_store(&pending, started);
  pthread_mutex_lock(&mu);
  atomic_fetch_add_explicit(&generation, 1, memory_order_release);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&mu);
  fn(arg, 0, parts);
  const int64_t until = now_ns() + SPIN_NS;
  int spins = 0;
  while (atomic_load_explicit(&pending, memory_order_acquire) > 0) {
    CPU_RELAX();
    if (++spins % 64 == 0 && now_ns() > until) break;
  }
  if (atomic_load_explicit(&pending, memory_order_acquire) > 0) {
    pthread_mutex_lock(&mu);
    while (atomic_load(&pending) > 0) pthread_cond_wait(&finished, &mu);
    pthread_mutex_unlock(&mu);
  }
}
