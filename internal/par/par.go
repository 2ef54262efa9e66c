// Package par runs work on a persistent pool of worker goroutines, one
// job at a time, with no allocation after warm-up. The matrix products of
// package blas, the large element-wise ops and the solvers' updates all
// share it, so that in a training step the workers go from one job to the
// next while still awake instead of parking in between.
//
// A job is cut into chunks that the caller and the workers claim one at a
// time, so a worker the OS is slow to run just gets fewer chunks, and a
// worker that arrives after the job is over claims nothing. What a chunk
// computes must not depend on which goroutine computes it, so results are
// the same however the chunks fall.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Chunker is work cut into chunks.
type Chunker interface {
	// Chunk computes chunk id on goroutine tid: 0 is the caller, 1 to
	// threads−1 are workers. A goroutine runs one chunk at a time, so
	// per-tid scratch space needs no lock.
	Chunk(tid, id int)
}

// Job runs one Chunker at a time on the pool. Keep a Job and reuse it:
// after its first use a run allocates nothing. A Job must not be copied
// after first use.
type Job struct {
	c Chunker
	// state holds the sequence number of the current dispatch (high 32
	// bits), the number of chunks (next 16) and the next unclaimed chunk
	// (low 16), so a worker that wakes up late claims nothing from a job
	// that has finished or been reused.
	state atomic.Uint64
	done  atomic.Int32 // chunks finished
	mu    sync.Mutex   // with cond, for a caller waiting on done
	cond  sync.Cond
}

// MaxChunks is the largest number of chunks a job may have.
const MaxChunks = 1<<16 - 1

// Threads returns the number of goroutines a job can run on: the caller
// and the pool's workers (GOMAXPROCS when the pool started).
func Threads() int { return len(workerPool().workers) + 1 }

// Acquire reserves the workers for a job on up to threads goroutines and
// returns how many it got, the caller included. It returns 1, reserving
// nothing, when threads ≤ 1, when a job on another goroutine holds the
// pool, or when cheap is true and the workers are parked: waking a parked
// worker takes longer than a cheap job gains from it (Acquire then wakes
// them without waiting, for the jobs that follow, unless Park sent them
// to sleep). A result above 1 must be passed to Job.Run, which releases
// the workers.
func Acquire(threads int, cheap bool) int {
	if threads <= 1 {
		return 1
	}
	p := workerPool()
	threads = min(threads, len(p.workers)+1)
	if threads <= 1 || !p.mu.TryLock() {
		return 1
	}
	if !p.hot(threads) && cheap {
		p.mu.Unlock()
		return 1
	}
	return threads
}

// Run computes chunks 0 to n−1 of c on the caller and nt−1 workers, where
// nt is what Acquire returned, and returns when all are done. With nt = 1
// the caller computes them all, in order.
func (j *Job) Run(c Chunker, n, nt int) {
	if n > MaxChunks {
		panic("par: too many chunks")
	}
	if nt <= 1 || n <= 1 {
		for id := 0; id < n; id++ {
			c.Chunk(0, id)
		}
		if nt > 1 {
			thePool.mu.Unlock()
		}
		return
	}
	j.c = c
	j.cond.L = &j.mu
	j.done.Store(0)
	seq := dispatchSeq.Add(1)
	j.state.Store(uint64(seq)<<32 | uint64(n)<<16)
	p := thePool
	p.park.Store(false)
	p.dispatch(j, nt, seq)
	j.work(0, seq)
	j.wait(n)
	p.mu.Unlock()
	j.c = nil
}

// dispatchSeq numbers the dispatches of all jobs.
var dispatchSeq atomic.Uint32

// work claims and computes chunks of dispatch seq until none is left.
func (j *Job) work(tid int, seq uint32) {
	for {
		s := j.state.Load()
		id, chunks := int(s&0xffff), int(s>>16&0xffff)
		if uint32(s>>32) != seq || id >= chunks {
			return
		}
		if !j.state.CompareAndSwap(s, s+1) {
			continue
		}
		// Until this chunk is done the caller waits, so the job is ours
		// to read.
		j.c.Chunk(tid, id)
		if int(j.done.Add(1)) == chunks {
			// The empty critical section orders this Broadcast after a
			// waiter's check of done and its Wait, so no wake-up is lost.
			j.mu.Lock()
			//lint:ignore SA2001 the lock is the synchronisation, not a guard
			j.mu.Unlock()
			j.cond.Broadcast()
		}
	}
}

// wait returns when all n chunks are done.
func (j *Job) wait(n int) {
	chunks := int32(n)
	for i := 0; i < callerSpin; i++ {
		if j.done.Load() == chunks {
			return
		}
		if i&spinYield == spinYield {
			runtime.Gosched()
			if i&spinOSYield == spinOSYield {
				osYield()
			}
		}
	}
	j.mu.Lock()
	for j.done.Load() < chunks {
		j.cond.Wait()
	}
	j.mu.Unlock()
}

type task struct {
	j   *Job // nil for a wake-up call
	tid int
	seq uint32
}

// pool is the persistent set of worker goroutines. One job at a time uses
// it (mu).
type pool struct {
	mu      sync.Mutex
	workers []worker
	park    atomic.Bool // set by Park, cleared by the next dispatch
	// wakeCalls counts the wake-up calls sent by hot, for tests.
	wakeCalls atomic.Uint32
}

// Park asks the workers that are polling for their next job to stop and
// sleep until it comes. Call it before work that runs on threads of its
// own (a C library's), so that the pool does not take the cores from
// them. The next job that is not cheap (see Acquire) wakes the workers
// again; cheap ones run on their caller alone and leave them asleep.
func Park() {
	p := workerPool()
	p.park.Store(true)
}

// Unpark cancels Park: call it when work that wants the pool's workers
// follows work on a C library's threads (as when a program switches from
// OpenBLAS to Native), so that its cheap jobs wake the workers again.
func Unpark() {
	if p := workerPool(); p.park.Load() {
		p.park.Store(false)
	}
}

type worker struct {
	ch chan task
	// hot is 1 while the worker polls ch for its next task, 0 while it is
	// parked in a blocking receive and would take microseconds to wake.
	hot atomic.Int32
}

// After a task a worker polls for the next one for workerSpin before it
// parks: consecutive jobs, as in a training step, then find it awake.
// The caller polls for the workers' last chunks for up to callerSpin
// iterations (tens of microseconds) before it sleeps, which frees its core
// for a worker that the OS has descheduled.
const (
	workerSpin = 200 * time.Microsecond
	callerSpin = 1 << 14
)

// A spinning goroutine lets other goroutines run every spinYield+1 polls
// and other threads every spinOSYield+1 polls (a system call, during which
// it cannot see what it waits for, so seldom: some microseconds apart).
const (
	spinYield   = 1<<5 - 1
	spinOSYield = 1<<10 - 1
)

var (
	poolOnce sync.Once
	thePool  *pool
)

// workerPool returns the pool, starting GOMAXPROCS-1 workers on first use.
func workerPool() *pool {
	poolOnce.Do(func() {
		p := &pool{workers: make([]worker, runtime.GOMAXPROCS(0)-1)}
		for i := range p.workers {
			w := &p.workers[i]
			w.ch = make(chan task, 1)
			w.hot.Store(1)
			go w.work(&p.park)
		}
		thePool = p
	})
	return thePool
}

func (w *worker) work(park *atomic.Bool) {
	for {
		if t := w.receive(park); t.j != nil {
			t.j.work(t.tid, t.seq)
		}
	}
}

func (w *worker) receive(park *atomic.Bool) task {
	deadline := time.Now().Add(workerSpin)
	for i := 0; ; i++ {
		select {
		case t := <-w.ch:
			return t
		default:
		}
		if i&spinYield == spinYield {
			if park.Load() || time.Now().After(deadline) {
				break
			}
			runtime.Gosched()
			if i&spinOSYield == spinOSYield {
				osYield()
			}
		}
	}
	w.hot.Store(0)
	t := <-w.ch
	w.hot.Store(1)
	return t
}

// hot reports whether the first n-1 workers are awake. If not, it wakes
// them, without waiting, so that the jobs that follow find them awake,
// unless Park sent them to sleep. The caller must hold p.mu.
func (p *pool) hot(n int) bool {
	all := true
	parked := p.park.Load()
	for i := range p.workers[:n-1] {
		w := &p.workers[i]
		if w.hot.Load() == 0 {
			all = false
			if parked {
				continue
			}
			select {
			case w.ch <- task{}:
				p.wakeCalls.Add(1)
			default:
			}
		}
	}
	return all
}

// dispatch offers dispatch seq of j to workers 1..nt-1 as goroutines
// 1..nt-1, without waiting. A worker's channel holds one task; if it is
// full, what it holds is a wake-up call or the task of a job that is over
// (the worker was late for it), both no-ops now, so it is replaced:
// otherwise a late worker would miss this job too, and be late for the
// next one in turn. The caller must hold p.mu.
func (p *pool) dispatch(j *Job, nt int, seq uint32) {
	for i := 1; i < nt; i++ {
		w, t := &p.workers[i-1], task{j, i, seq}
		select {
		case w.ch <- t:
			continue
		default:
		}
		select {
		case <-w.ch:
		default:
		}
		select {
		case w.ch <- t:
		default: // the worker took the old task just now; it will be back
		}
	}
}
