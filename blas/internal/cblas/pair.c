//go:build openblas

// A second thread for OpenBLAS products, in C. Two halves of one product
// run at once, the caller's half on the calling thread and the other on
// this library's own worker thread, inside a single cgo call: the Go
// scheduler sees one goroutine in C, not two, and so does not take the
// processors of both away (see pair.go).

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <cblas.h>
#include <time.h>
#include "pair.h"

// One row-major GEMM: C = alpha·op(A)·op(B) + beta·C.
typedef struct {
	int f64, ta, tb, m, n, k, lda, ldb, ldc;
	double alpha, beta;
	const void *a, *b;
	void *c;
} gg_gemm;

static void run(const gg_gemm *g) {
	if (g->m == 0 || g->n == 0) {
		return;
	}
	enum CBLAS_TRANSPOSE ta = g->ta ? CblasTrans : CblasNoTrans;
	enum CBLAS_TRANSPOSE tb = g->tb ? CblasTrans : CblasNoTrans;
	if (g->f64) {
		cblas_dgemm(CblasRowMajor, ta, tb, g->m, g->n, g->k, g->alpha, (const double *)g->a, g->lda,
			(const double *)g->b, g->ldb, g->beta, (double *)g->c, g->ldc);
	} else {
		cblas_sgemm(CblasRowMajor, ta, tb, g->m, g->n, g->k, (float)g->alpha, (const float *)g->a, g->lda,
			(const float *)g->b, g->ldb, (float)g->beta, (float *)g->c, g->ldc);
	}
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; // one pair at a time
static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int started;
static gg_gemm job;                 // the worker's half
static atomic_uint posted, finished; // sequence numbers
static atomic_int sleeping;

// The worker polls for a new half for SPIN_NS nanoseconds after its last
// one, yielding the CPU every YIELD polls, and then sleeps: consecutive
// products of a training step find it awake, also across the update and
// into the next step (on the MNIST step the gap from the last product to
// the first of the next step is ~60 µs; with 100 µs of polling the step
// took 0.91 ms, with 300 µs 0.82), and when the products stop it gives
// the core back soon.
enum { SPIN_NS = 300000, YIELD = 1 << 8 };

static long long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *worker(void *arg) {
	(void)arg;
	unsigned seen = 0;
	for (;;) {
		unsigned p;
		long long deadline = now_ns() + SPIN_NS;
		for (int i = 1; (p = atomic_load(&posted)) == seen; i++) {
			if ((i & (YIELD - 1)) != 0) {
				continue;
			}
			if (now_ns() < deadline) {
				sched_yield();
				continue;
			}
			// Sleep. sleeping is set before posted is read again and
			// the poster reads sleeping after it posts (both sequentially
			// consistent), so one of the two sees the other.
			pthread_mutex_lock(&wake_mu);
			atomic_store(&sleeping, 1);
			while ((p = atomic_load(&posted)) == seen) {
				pthread_cond_wait(&wake_cv, &wake_mu);
			}
			atomic_store(&sleeping, 0);
			pthread_mutex_unlock(&wake_mu);
			break;
		}
		seen = p;
		run(&job);
		atomic_store_explicit(&finished, seen, memory_order_release);
	}
	return 0;
}

static void start(void) {
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	started = pthread_create(&t, &attr, worker, 0) == 0;
	pthread_attr_destroy(&attr);
}

int gg_gemm_pair(int f64, int ta, int tb, int k, double alpha, double beta, int lda, int ldb, int ldc,
	int m0, int n0, const void *a0, const void *b0, void *c0,
	int m1, int n1, const void *a1, const void *b1, void *c1) {
	gg_gemm mine = {f64, ta, tb, m0, n0, k, lda, ldb, ldc, alpha, beta, a0, b0, c0};
	gg_gemm theirs = {f64, ta, tb, m1, n1, k, lda, ldb, ldc, alpha, beta, a1, b1, c1};
	pthread_once(&once, start);
	if (!started || pthread_mutex_trylock(&mu) != 0) {
		return 0; // the caller runs both halves itself
	}
	job = theirs;
	unsigned s = atomic_load(&posted) + 1;
	atomic_store(&posted, s);
	if (atomic_load(&sleeping)) {
		pthread_mutex_lock(&wake_mu);
		pthread_cond_signal(&wake_cv);
		pthread_mutex_unlock(&wake_mu);
	}
	run(&mine);
	for (int i = 0; atomic_load_explicit(&finished, memory_order_acquire) != s; i++) {
		if ((i & (YIELD - 1)) == YIELD - 1) {
			sched_yield();
		}
	}
	pthread_mutex_unlock(&mu);
	return 1;
}
