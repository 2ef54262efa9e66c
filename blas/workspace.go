package blas

// workspace holds the packing buffers of one product in flight. Workspaces
// are recycled through wsFree, so a call after warm-up allocates nothing.
type workspace struct {
	j32 job[float32]
	j64 job[float64]
	d32 dotJob[float32]
	d64 dotJob[float64]
	// t32 and t64 hold the transposed result of a narrow product.
	t32 []float32
	t64 []float64
}

var wsFree = make(chan *workspace, 32)

func getWorkspace() *workspace {
	select {
	case w := <-wsFree:
		return w
	default:
		return new(workspace)
	}
}

func putWorkspace(w *workspace) {
	select {
	case wsFree <- w:
	default:
	}
}

func jobFor[T float](ws *workspace) *job[T] {
	var z T
	switch any(z).(type) {
	case float32:
		return any(&ws.j32).(*job[T])
	default:
		return any(&ws.j64).(*job[T])
	}
}

// scratchFor returns n elements of ws's scratch buffer of element type T.
func scratchFor[T float](ws *workspace, n int) []T {
	var z T
	switch any(z).(type) {
	case float32:
		ws.t32 = grow(ws.t32, n)
		return any(ws.t32).([]T)
	default:
		ws.t64 = grow(ws.t64, n)
		return any(ws.t64).([]T)
	}
}
