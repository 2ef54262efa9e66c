package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// normal returns a standard normal value from g (Box–Muller, written out so
// that the result depends only on g's output).
func normal(g *rand.PCG) float64 {
	u := 1 - uniform(g) // in (0, 1]
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*uniform(g))
}

// XOR returns the XOR problem: perCorner samples around each corner of the
// unit square, (0,0) and (1,1) in class 0, (0,1) and (1,0) in class 1, each
// coordinate moved by Gaussian noise of standard deviation noise. Samples
// cycle through the corners in that order, so XOR(1, 0, seed) is the truth
// table. Two features, two classes; use ScalarTargets for one output.
func XOR(perCorner int, noise float64, seed uint64) *Dataset {
	g := newRand(seed)
	corners := [4][3]float64{{0, 0, 0}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}}
	d := &Dataset{Name: "xor", Features: 2, Shape: []int{2}, Classes: 2}
	for range perCorner {
		for _, c := range corners {
			d.X = append(d.X, float32(c[0]+noise*normal(g)), float32(c[1]+noise*normal(g)))
			d.Labels = append(d.Labels, uint8(c[2]))
		}
	}
	return d
}

// Spirals returns two interleaved spirals in the plane, perClass samples
// each, class 0 and class 1 alternating. Point j of a spiral lies at radius
// r = j/perClass (in (0, 1]) and angle 3π·r (plus π for class 1), moved by
// Gaussian noise of standard deviation noise; coordinates are about in
// [-1, 1]. Two features, two classes.
func Spirals(perClass int, noise float64, seed uint64) *Dataset {
	g := newRand(seed)
	d := &Dataset{Name: "spirals", Features: 2, Shape: []int{2}, Classes: 2}
	for j := range perClass {
		r := float64(j+1) / float64(perClass)
		for c := range 2 {
			t := 3*math.Pi*r + math.Pi*float64(c)
			d.X = append(d.X,
				float32(r*math.Cos(t)+noise*normal(g)),
				float32(r*math.Sin(t)+noise*normal(g)))
			d.Labels = append(d.Labels, uint8(c))
		}
	}
	return d
}

// Sine returns a 1-D regression set: n points x drawn uniformly from
// [-π, π] with target y = sin(x) plus Gaussian noise of standard deviation
// noise. One feature, one output, no classes.
func Sine(n int, noise float64, seed uint64) *Dataset {
	g := newRand(seed)
	d := &Dataset{Name: "sine", Features: 1, Shape: []int{1}, Outputs: 1,
		X: make([]float32, n), Y: make([]float32, n)}
	for i := range n {
		x := math.Pi * (2*uniform(g) - 1)
		d.X[i] = float32(x)
		d.Y[i] = float32(math.Sin(x) + noise*normal(g))
	}
	return d
}

// ScalarTargets returns a two-class set as a regression set with one output
// per sample, the label as 0 or 1 (for a single sigmoid output), sharing
// d's features. It panics unless d has two classes.
func (d *Dataset) ScalarTargets() *Dataset {
	if d.Classes != 2 {
		panic(fmt.Sprintf("datasets: %s: ScalarTargets needs 2 classes, not %d", d.Name, d.Classes))
	}
	s := *d
	s.Classes, s.Labels, s.Outputs = 0, nil, 1
	s.Y = make([]float32, len(d.Labels))
	for i, l := range d.Labels {
		s.Y[i] = float32(l)
	}
	return &s
}
