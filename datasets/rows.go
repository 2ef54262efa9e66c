package datasets

import "fmt"

// FillRows writes the samples idx of d into x with the samples first, the
// layout of everything but the lecture's MLP: with M = len(idx), sample
// idx[k] occupies x[k*Features : (k+1)*Features], so x is M × Shape (an
// image batch N×C×H×W for MNIST's [1 28 28]). labels[k] receives the
// class of sample idx[k] as an int64, as the class losses take it (0 for a
// regression set); labels may be nil.
//
// x and labels must have at least Features*M and M elements; FillRows
// never allocates, and panics, like an out-of-range index, when a buffer
// is too short or an index is out of range.
func FillRows[T float](d *Dataset, idx []int, x []T, labels []int64) {
	m, f := len(idx), d.Features
	if len(x) < f*m || (labels != nil && len(labels) < m) {
		panic(fmt.Sprintf("datasets: FillRows of %d samples of %s needs buffers of %d and %d elements, got %d and %d",
			m, d.Name, f*m, m, len(x), len(labels)))
	}
	for k, s := range idx {
		dst := x[k*f : (k+1)*f : (k+1)*f]
		for i, v := range d.X[s*f : (s+1)*f : (s+1)*f] {
			dst[i] = T(v)
		}
	}
	if labels != nil {
		for k, s := range idx {
			labels[k] = 0
			if d.Classes > 0 {
				labels[k] = int64(d.Labels[s])
			}
		}
	}
}

// FillTargetRows writes the targets of the samples idx of d into y with the
// samples first: y is M × Targets(), one-hot for a classification set, the
// real targets for a regression set. It never allocates.
func FillTargetRows[T float](d *Dataset, idx []int, y []T) {
	m, t := len(idx), d.Targets()
	if len(y) < t*m {
		panic(fmt.Sprintf("datasets: FillTargetRows of %d samples of %s needs %d elements, got %d", m, d.Name, t*m, len(y)))
	}
	y = y[:t*m]
	if d.Classes > 0 {
		clear(y)
		for k, s := range idx {
			y[k*t+int(d.Labels[s])] = 1
		}
		return
	}
	for k, s := range idx {
		for c, v := range d.Y[s*t : (s+1)*t] {
			y[k*t+c] = T(v)
		}
	}
}
