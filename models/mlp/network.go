// Package mlp is the multilayer perceptron of the lecture gradgraph grew
// from, in the lecture's own notation (see docs/backprop.md):
//
//   - α⁰ (the inputs) is n₀ × M, one column per sample of the mini-batch;
//   - Ω^j (Layer.Weights) is n_{j-1} × n_j and β^j (Layer.Bias) has n_j entries;
//   - ζ^j = [Ω^j]ᵀ·α^{j-1} + β^j, the bias broadcast over the M columns;
//   - α^j = Φ_j(ζ^j), with softmax taken over each column;
//   - the batch cost is 𝒞 = (1/M) Σ_k C(α^L_(k), ρ_(k)).
//
// Network describes such a network with gorgonia.org/tensor values. Backprop
// is the lecture's closed-form mini-batch backpropagation (Algorithms 3 to
// 5), an independent reference for the gradients that autodiff computes on
// the graph; NumericGradients is a third witness by central differences.
// ParseSpec and MarshalNetwork read and write the JSON network spec of the
// command line.
package mlp

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gorgonia.org/tensor"
)

// Activation names an activation function Φ, as spelled in the JSON spec.
type Activation string

// The activation functions. Softmax acts on each column (the n_j units of one
// sample); ReLU'(0) is taken as 0.
const (
	// Identity is Φ(z) = z.
	Identity Activation = "identity"
	// Sigmoid is Φ(z) = 1/(1 + e^{−z}).
	Sigmoid Activation = "sigmoid"
	// Tanh is Φ(z) = tanh z.
	Tanh Activation = "tanh"
	// ReLU is Φ(z) = max(z, 0), with ReLU'(0) = 0.
	ReLU Activation = "relu"
	// Softmax is Φ(z)_i = e^{z_i} / Σ_l e^{z_l} over the units of one column.
	Softmax Activation = "softmax"
)

// Activations returns every valid Activation, in the order messages name
// them, in a new slice that the caller may change.
func Activations() []Activation { return []Activation{Identity, Sigmoid, Tanh, ReLU, Softmax} }

// Valid reports whether a is one of the known activations.
func (a Activation) Valid() bool {
	switch a {
	case Identity, Sigmoid, Tanh, ReLU, Softmax:
		return true
	}
	return false
}

// Cost names a per-sample cost C(a, ρ), as spelled in the JSON spec.
type Cost string

// The per-sample costs:
//
//	quadratic             ½ Σ_i (a_i − ρ_i)²
//	binary_cross_entropy  −Σ_i [ρ_i ln a_i + (1 − ρ_i) ln(1 − a_i)]
//	cross_entropy         −Σ_i ρ_i ln a_i
//
// A term whose coefficient ρ_i or 1 − ρ_i is exactly 0 counts as 0 (the
// limit of x ln x), so a one-hot target does not turn a saturated output
// into NaN.
const (
	// Quadratic is C(a, ρ) = ½ Σ_i (a_i − ρ_i)².
	Quadratic Cost = "quadratic"
	// BinaryCrossEntropy is C(a, ρ) = −Σ_i [ρ_i ln a_i + (1 − ρ_i) ln(1 − a_i)].
	BinaryCrossEntropy Cost = "binary_cross_entropy"
	// CrossEntropy is C(a, ρ) = −Σ_i ρ_i ln a_i.
	CrossEntropy Cost = "cross_entropy"
)

// Costs returns every valid Cost, in the order messages name them, in a
// new slice that the caller may change.
func Costs() []Cost { return []Cost{Quadratic, BinaryCrossEntropy, CrossEntropy} }

// Valid reports whether c is one of the known costs.
func (c Cost) Valid() bool {
	switch c {
	case Quadratic, BinaryCrossEntropy, CrossEntropy:
		return true
	}
	return false
}

// Layer is layer j of a network: α^j = Φ_j([Ω^j]ᵀ α^{j-1} + β^j).
type Layer struct {
	// Activation is Φ_j.
	Activation Activation
	// Weights is Ω^j, n_{j-1} × n_j.
	Weights *tensor.Dense
	// Bias is β^j, shape (n_j).
	Bias *tensor.Dense
}

// Network is an MLP with L = len(Layers) layers and a per-sample cost. All
// its tensors share one dtype, float32 or float64.
type Network struct {
	// Cost is the per-sample cost C.
	Cost Cost
	// Layers holds layers 1..L in order (Layers[0] is layer 1).
	Layers []Layer
}

// Sizes returns n₀, n₁, …, n_L. It assumes a valid network (see Validate).
func (n *Network) Sizes() []int {
	if len(n.Layers) == 0 {
		return nil
	}
	sizes := make([]int, 0, len(n.Layers)+1)
	sizes = append(sizes, n.Layers[0].Weights.Shape()[0])
	for _, l := range n.Layers {
		sizes = append(sizes, l.Weights.Shape()[1])
	}
	return sizes
}

// NumParams returns the number of weights and biases of n.
func (n *Network) NumParams() int {
	p := 0
	for _, l := range n.Layers {
		p += l.Weights.Shape().TotalSize() + l.Bias.Shape().TotalSize()
	}
	return p
}

// Size limits that New, Build and Resized check before they allocate
// anything, so that a mistyped layer or batch size is an error rather than
// the runtime's out-of-memory crash.
const (
	// MaxParams bounds the weights and biases of a network: 2^28, 1 GiB
	// in float32 (training with Adam needs about four times that).
	MaxParams = 1 << 28
	// MaxBatchValues bounds M·(n₀ + n₁ + … + n_L), the values a batch of
	// M samples takes through the layers once: 2^27 (a graph holds
	// several buffers of that size).
	MaxBatchValues = 1 << 27
)

// CheckSizes reports whether a network of the given layer sizes n₀, …, n_L
// stays within MaxParams and, for batches of m samples (m > 0), within
// MaxBatchValues.
func CheckSizes(sizes []int, m int) error {
	var params, values float64 // float64: products of huge sizes must not wrap
	for j, n := range sizes {
		values += float64(n)
		if j > 0 {
			params += float64(sizes[j-1])*float64(n) + float64(n)
		}
	}
	name := sizesName(sizes)
	if params > MaxParams {
		return fmt.Errorf("mlp: %s has %.3g parameters, more than the %d (2^28) allowed", name, params, MaxParams)
	}
	if values *= float64(m); values > MaxBatchValues {
		return fmt.Errorf("mlp: a batch of %d through %s holds %.3g values, more than the %d (2^27) allowed", m, name, values, MaxBatchValues)
	}
	return nil
}

func sizesName(sizes []int) string {
	s := make([]string, len(sizes))
	for i, n := range sizes {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, "-")
}

// Dtype returns the dtype of the network's tensors (that of the first
// layer's weights), or the zero Dtype for a network without layers.
func (n *Network) Dtype() tensor.Dtype {
	if len(n.Layers) == 0 || n.Layers[0].Weights == nil {
		return tensor.Dtype{}
	}
	return n.Layers[0].Weights.Dtype()
}

// Validate checks that the cost and activations are known names, that every
// tensor is present, float32 or float64 and of the network's dtype, that
// weights are matrices with at least one row and column, and that shapes
// chain: Ω^j has n_{j-1} rows and β^j has n_j entries. The error names the
// offending field, e.g. "layers[1].weights: got 3x1, want 2x1".
func (n *Network) Validate() error {
	if n == nil {
		return fmt.Errorf("network: nil")
	}
	if !n.Cost.Valid() {
		return fieldErr("cost", "%s", unknownCost(string(n.Cost)))
	}
	if len(n.Layers) == 0 {
		return fieldErr("layers", "empty, want at least one layer")
	}
	dt := n.Dtype()
	prev := 0
	for j, l := range n.Layers {
		path := fmt.Sprintf("layers[%d]", j)
		if !l.Activation.Valid() {
			return fieldErr(path+".activation", "%s", unknownActivation(string(l.Activation)))
		}
		if err := checkTensor(path+".weights", l.Weights, dt); err != nil {
			return err
		}
		s := l.Weights.Shape()
		if len(s) != 2 {
			return fieldErr(path+".weights", "got shape %v, want a matrix", s)
		}
		if s[0] == 0 || s[1] == 0 {
			return fieldErr(path+".weights", "empty matrix")
		}
		if j > 0 && s[0] != prev {
			return fieldErr(path+".weights", "got %dx%d, want %dx%d", s[0], s[1], prev, s[1])
		}
		prev = s[1]
		if err := checkTensor(path+".bias", l.Bias, dt); err != nil {
			return err
		}
		if !isVector(l.Bias.Shape()) {
			return fieldErr(path+".bias", "got shape %v, want a vector", l.Bias.Shape())
		}
		if got := l.Bias.Shape().TotalSize(); got != prev {
			return fieldErr(path+".bias", "got %d entries, want %d", got, prev)
		}
	}
	return nil
}

// validateBatch checks the network and that inputs (n₀ × M) and, when
// non-nil, targets (n_L × M) fit it.
func (n *Network) validateBatch(inputs, targets *tensor.Dense) error {
	if err := n.Validate(); err != nil {
		return err
	}
	sizes := n.Sizes()
	dt := n.Dtype()
	if err := checkMatrix("inputs", inputs, dt, sizes[0], 0); err != nil {
		return err
	}
	if targets != nil {
		if err := checkMatrix("targets", targets, dt, sizes[len(sizes)-1], inputs.Shape()[1]); err != nil {
			return err
		}
	}
	return nil
}

// checkMatrix checks that t is a matrix of dtype dt with the given number of
// rows and, if cols > 0, columns.
func checkMatrix(path string, t *tensor.Dense, dt tensor.Dtype, rows, cols int) error {
	if err := checkTensor(path, t, dt); err != nil {
		return err
	}
	s := t.Shape()
	if len(s) != 2 {
		return fieldErr(path, "got shape %v, want a matrix", s)
	}
	if s[0] == 0 || s[1] == 0 {
		return fieldErr(path, "empty matrix")
	}
	if s[0] != rows {
		return fieldErr(path, "got %d rows, want %d", s[0], rows)
	}
	if cols > 0 && s[1] != cols {
		return fieldErr(path, "got %d columns, want %d", s[1], cols)
	}
	return nil
}

func checkTensor(path string, t *tensor.Dense, dt tensor.Dtype) error {
	if t == nil {
		return fieldErr(path, "missing")
	}
	if got := t.Dtype(); got != tensor.Float64 && got != tensor.Float32 {
		return fieldErr(path, "unsupported dtype %v, want float32 or float64", got)
	}
	if got := t.Dtype(); got != dt {
		return fieldErr(path, "got dtype %v, want %v like the rest of the network", got, dt)
	}
	return nil
}

func isVector(s tensor.Shape) bool {
	switch len(s) {
	case 0:
		return true // a scalar, for n_j = 1
	case 1:
		return true
	case 2:
		return s[0] == 1 || s[1] == 1
	}
	return false
}

// Clone returns a deep copy of n: changing the copy's tensors leaves n
// untouched.
func (n *Network) Clone() *Network {
	c := &Network{Cost: n.Cost, Layers: make([]Layer, len(n.Layers))}
	for j, l := range n.Layers {
		c.Layers[j] = Layer{Activation: l.Activation, Weights: cloneDense(l.Weights), Bias: cloneDense(l.Bias)}
	}
	return c
}

func cloneDense(t *tensor.Dense) *tensor.Dense {
	if t == nil {
		return nil
	}
	return t.Clone().(*tensor.Dense)
}

// Convert returns a deep copy of n whose tensors have dtype dt (float32 or
// float64). Values are rounded to nearest when narrowing.
func (n *Network) Convert(dt tensor.Dtype) (*Network, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	c := &Network{Cost: n.Cost, Layers: make([]Layer, len(n.Layers))}
	for j, l := range n.Layers {
		w, err := ConvertDense(l.Weights, dt)
		if err != nil {
			return nil, err
		}
		b, err := ConvertDense(l.Bias, dt)
		if err != nil {
			return nil, err
		}
		if err := b.Reshape(b.Shape().TotalSize()); err != nil {
			return nil, err
		}
		c.Layers[j] = Layer{Activation: l.Activation, Weights: w, Bias: b}
	}
	return c, nil
}

// ConvertDense returns a new row-major tensor of dtype dt (float32 or
// float64) with t's shape and values.
func ConvertDense(t *tensor.Dense, dt tensor.Dtype) (*tensor.Dense, error) {
	vals := Float64s(t)
	shape := t.Shape().Clone()
	switch dt {
	case tensor.Float64:
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals)), nil
	case tensor.Float32:
		out := make([]float32, len(vals))
		for i, v := range vals {
			out[i] = float32(v)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(out)), nil
	}
	return nil, fmt.Errorf("mlp: unsupported dtype %v, want float32 or float64", dt)
}

// Forward returns α^L for the mini-batch inputs (n₀ × M), computed directly
// on the tensors' values.
func (n *Network) Forward(inputs *tensor.Dense) (*tensor.Dense, error) {
	if err := n.validateBatch(inputs, nil); err != nil {
		return nil, err
	}
	if n.Dtype() == tensor.Float32 {
		fw := forward[float32](n, inputs)
		return fw.dense(fw.alpha[len(fw.alpha)-1], n.Sizes()[len(n.Layers)]), nil
	}
	fw := forward[float64](n, inputs)
	return fw.dense(fw.alpha[len(fw.alpha)-1], n.Sizes()[len(n.Layers)]), nil
}

// BatchCost returns the batch cost 𝒞 = (1/M) Σ_k C(α^L_(k), ρ_(k)) for
// inputs (n₀ × M) and targets (n_L × M). (It is not called Cost because that
// is the name of the field holding C.)
func (n *Network) BatchCost(inputs, targets *tensor.Dense) (float64, error) {
	if err := n.validateBatch(inputs, targets); err != nil {
		return 0, err
	}
	if n.Dtype() == tensor.Float32 {
		fw := forward[float32](n, inputs)
		return batchCost(n.Cost, fw.alpha[len(fw.alpha)-1], values[float32](targets), fw.m), nil
	}
	fw := forward[float64](n, inputs)
	return batchCost(n.Cost, fw.alpha[len(fw.alpha)-1], values[float64](targets), fw.m), nil
}

// FromRows returns a row-major matrix of dtype dt (float32 or float64) with
// the given rows, which must be non-empty and all of one length.
func FromRows(rows [][]float64, dt tensor.Dtype) (*tensor.Dense, error) {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return nil, fmt.Errorf("mlp: empty matrix")
	}
	c := len(rows[0])
	flat := make([]float64, 0, len(rows)*c)
	for i, r := range rows {
		if len(r) != c {
			return nil, fmt.Errorf("mlp: row %d: got %d columns, want %d", i, len(r), c)
		}
		flat = append(flat, r...)
	}
	return ConvertDense(tensor.New(tensor.WithShape(len(rows), c), tensor.WithBacking(flat)), dt)
}

// FromVector returns a vector of shape (len(xs)) and dtype dt.
func FromVector(xs []float64, dt tensor.Dtype) (*tensor.Dense, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("mlp: empty vector")
	}
	v := append([]float64(nil), xs...)
	return ConvertDense(tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(v)), dt)
}

// Rows returns the values of a matrix (or of a vector, as one row) as
// float64 rows: the form the JSON spec and reports use.
func Rows(t *tensor.Dense) [][]float64 {
	vals := Float64s(t)
	r, c := 1, len(vals)
	if s := t.Shape(); len(s) == 2 {
		r, c = s[0], s[1]
	}
	rows := make([][]float64, r)
	for i := range rows {
		rows[i] = vals[i*c : (i+1)*c : (i+1)*c]
	}
	return rows
}

// Float64s returns a new slice with t's values in row-major order,
// converted to float64. It works for views and any data order.
func Float64s(t *tensor.Dense) []float64 {
	switch t.Dtype() {
	case tensor.Float64:
		return append([]float64(nil), values[float64](t)...)
	case tensor.Float32:
		v := values[float32](t)
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	}
	panic(fmt.Sprintf("mlp: unsupported dtype %v", t.Dtype()))
}

// values returns t's values in row-major order: t's own backing slice when
// it is a plain contiguous row-major tensor, else a copy.
func values[T float32 | float64](t *tensor.Dense) []T {
	size := t.Shape().TotalSize()
	if !t.IsMaterializable() && !t.DataOrder().IsColMajor() && !t.IsMasked() {
		if d, ok := t.Data().([]T); ok && len(d) >= size {
			return d[:size:size]
		}
		if d, ok := t.Data().(T); ok { // a scalar
			return []T{d}
		}
	}
	out := make([]T, 0, size)
	s := t.Shape()
	idx := make([]int, len(s))
	for range size {
		v, err := t.At(idx...)
		if err != nil {
			panic(fmt.Sprintf("mlp: reading tensor: %v", err))
		}
		out = append(out, v.(T))
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < s[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

func isFinite(x float64) bool { return !math.IsInf(x, 0) && !math.IsNaN(x) }

// structure returns a copy of net with its cost and activations but no
// weights or biases.
func (net *Network) structure() *Network {
	c := &Network{Cost: net.Cost, Layers: make([]Layer, len(net.Layers))}
	for j, l := range net.Layers {
		c.Layers[j].Activation = l.Activation
	}
	return c
}
