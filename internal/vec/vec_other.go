//go:build !amd64

package vec

// Without assembly every loop runs in Go: the helpers do nothing.

func addConst32(o, a []float32, c float32) int { return 0 }
func addConst64(o, a []float64, c float64) int { return 0 }
func relu32(o, a []float32) int                { return 0 }
func relu64(o, a []float64) int                { return 0 }
func passWhere32(o, g, x []float32) int        { return 0 }
func passWhere64(o, g, x []float64) int        { return 0 }
func sum32(a []float32) (float32, int)         { return 0, 0 }
func sum64(a []float64) (float64, int)         { return 0, 0 }
func axpy32(y, x []float32, alpha float32) int { return 0 }
func axpy64(y, x []float64, alpha float64) int { return 0 }

func exp32(o, a []float32) int { return 0 }
func exp64(o, a []float64) int { return 0 }

func adam32(theta, g, s, r []float32, k *[8]float32) int { return 0 }
func adam64(theta, g, s, r []float64, k *[8]float64) int { return 0 }

// hasAVX2 is false: there is no assembly here.
const hasAVX2 = false
