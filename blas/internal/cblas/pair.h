// gg_gemm_pair computes two row-major products C = alpha·op(A)·op(B) +
// beta·C that share everything but m, n and the matrices' addresses: the
// first on the calling thread and the second on the library's worker
// thread, at the same time. It returns 1 when both are done; it returns 0,
// having computed nothing, when the worker is busy with another pair or
// could not be started. f64 selects double precision, ta and tb
// transpose A and B.
int gg_gemm_pair(int f64, int ta, int tb, int k, double alpha, double beta, int lda, int ldb, int ldc,
	int m0, int n0, const void *a0, const void *b0, void *c0,
	int m1, int n1, const void *a1, const void *b1, void *c1);
