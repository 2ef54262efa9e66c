//go:build !amd64

package vec

const hasRows32 = false

func copyRowsF32(dst, src *float32, rows, n, ds, ss int) { panic("vec: no assembly") }
func addRowsF32(dst, src *float32, rows, n, ds, ss int)  { panic("vec: no assembly") }
