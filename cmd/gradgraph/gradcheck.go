package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/regular"
	"github.com/gradgraph/gradgraph/models/mlp"
)

func init() {
	register("gradcheck", "compare manual, autodiff and numeric gradients of a network spec", gradcheck)
}

// Verdict thresholds on the relative difference (to the largest entry). In
// float64 the closed form and autodiff differ only by rounding (≈1e-16
// relative), and central differences with ε = 1e-6 by O(ε²) + O(ulp/ε) ≈
// 1e-9; in float32 both are computed in single precision (≈1e-7 relative,
// more after cancellation) while the numeric gradient stays float64.
var verdictTol = map[tensor.Dtype]struct{ manual, numeric float64 }{
	tensor.Float64: {1e-10, 1e-5},
	tensor.Float32: {1e-4, 1e-3},
}

type witnessJSON struct {
	Manual   any `json:"manual"`
	Autodiff any `json:"autodiff"`
	Numeric  any `json:"numeric,omitempty"`
}

type gradcheckLayerJSON struct {
	GradWeights witnessJSON `json:"grad_weights"`
	GradBias    witnessJSON `json:"grad_bias"`
	B           witnessJSON `json:"B"`
	P           witnessJSON `json:"P"`
}

type gradcheckJSON struct {
	Cost       float64              `json:"cost"`
	Dtype      string               `json:"dtype"`
	Epsilon    float64              `json:"epsilon"`
	Layers     []gradcheckLayerJSON `json:"layers"`
	MaxAbsDiff struct {
		ManualVsAutodiff  float64 `json:"manual_vs_autodiff"`
		AutodiffVsNumeric float64 `json:"autodiff_vs_numeric"`
	} `json:"max_abs_diff"`
	Agree bool `json:"agree"`
}

func gradcheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gradcheck", "--spec net.json [--json] [--epsilon 1e-6] [--dtype float64]", stdout)
	spec := fs.String("spec", "", "network spec `file` (JSON, see docs/cli.md)")
	asJSON := fs.Bool("json", false, "print one JSON document")
	eps := fs.Float64("epsilon", 1e-6, "step of the central differences")
	dtype := fs.String("dtype", "float64", "float64 or float32")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dt, err := parseDtype(*dtype)
	if err != nil {
		return err
	}
	if !(*eps > 0) || *eps > 1 {
		return usageErr("--epsilon: %g, want a number in (0, 1]", *eps)
	}
	s, err := readSpec(*spec, dt)
	if err != nil {
		return err
	}
	c, err := mlp.Compare(s.Network, s.Inputs, s.Targets, *eps)
	if err != nil {
		return err
	}
	tol := verdictTol[dt]
	// JSON has no NaN or Inf, and a gradient that is not finite fails the
	// check whatever the differences say: name the first such value.
	if path, v := c.NonFinite(); path != "" {
		if !*asJSON {
			printGradcheck(stdout, c, dt, *eps, tol.manual, tol.numeric)
		}
		return fmt.Errorf("gradcheck: %s is %v, not a finite number: the gradients cannot be compared", path, v)
	}
	agree := true
	for _, l := range c.Layers {
		agree = agree && l.ManualVsAutodiff.MaxRel <= tol.manual && l.AutodiffVsNumeric.MaxRel <= tol.numeric
	}
	if *asJSON {
		out := gradcheckJSON{Cost: c.Cost, Dtype: dt.String(), Epsilon: *eps, Agree: agree}
		for _, l := range c.Layers {
			out.Layers = append(out.Layers, gradcheckLayerJSON{
				GradWeights: witnesses(l.GradWeights),
				GradBias:    witnesses(l.GradBias),
				B:           witnesses(l.B),
				P:           witnesses(l.P),
			})
		}
		out.MaxAbsDiff.ManualVsAutodiff = c.ManualVsAutodiff
		out.MaxAbsDiff.AutodiffVsNumeric = c.AutodiffVsNumeric
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else {
		printGradcheck(stdout, c, dt, *eps, tol.manual, tol.numeric)
	}
	if !agree {
		return fmt.Errorf("gradcheck: gradients disagree beyond the %s tolerances", dt)
	}
	return nil
}

func printGradcheck(w io.Writer, c *mlp.Comparison, dt tensor.Dtype, eps, tolManual, tolNumeric float64) {
	fmt.Fprintf(w, "cost %.10g   (%s, numeric step %g)\n\n", c.Cost, dt, eps)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "layer\tpair\tmax abs\tmax rel\tverdict")
	for j, l := range c.Layers {
		fmt.Fprintf(tw, "%d\tmanual vs autodiff\t%.2e\t%.2e\t%s\n", j+1,
			l.ManualVsAutodiff.MaxAbs, l.ManualVsAutodiff.MaxRel, verdict(l.ManualVsAutodiff.MaxRel, tolManual))
		fmt.Fprintf(tw, "%d\tautodiff vs numeric\t%.2e\t%.2e\t%s\n", j+1,
			l.AutodiffVsNumeric.MaxAbs, l.AutodiffVsNumeric.MaxRel, verdict(l.AutodiffVsNumeric.MaxRel, tolNumeric))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nmanual vs autodiff covers grad Ω, grad β, B and P; autodiff vs numeric covers grad Ω and grad β.\n")
	fmt.Fprintf(w, "max rel is relative to the largest entry; ok means ≤ %g (manual) and ≤ %g (numeric).\n", tolManual, tolNumeric)
}

func verdict(rel, tol float64) string {
	switch {
	case math.IsNaN(rel):
		return "NOT FINITE"
	case rel <= tol:
		return "ok"
	}
	return "DIFFER"
}

func witnesses(w mlp.Witnesses) witnessJSON {
	out := witnessJSON{Manual: jsonValue(w.Manual), Autodiff: jsonValue(w.Autodiff)}
	if w.Numeric != nil {
		out.Numeric = jsonValue(w.Numeric)
	}
	return out
}

// jsonValue returns a matrix as rows and a vector as a flat array.
func jsonValue(t *tensor.Dense) any {
	if t.Shape().Dims() == 1 {
		return mlp.Float64s(t)
	}
	return mlp.Rows(t)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func parseDtype(s string) (tensor.Dtype, error) {
	switch s {
	case "float64":
		return tensor.Float64, nil
	case "float32":
		return tensor.Float32, nil
	}
	return tensor.Dtype{}, usageErr("--dtype: unknown dtype %q (want float64 or float32)", s)
}

// maxInputBytes bounds a spec or model file: 256 MiB, some 10 million
// numbers (the MNIST network's model is 3 MB).
const maxInputBytes = 256 << 20

// readFile reads the file that --flagName names: a regular file (a FIFO
// would block) of at most maxInputBytes.
func readFile(flagName, path string) ([]byte, error) {
	if path == "" {
		return nil, usageErr("--%s is required", flagName)
	}
	data, err := regular.ReadFile(path, maxInputBytes, "the 268435456 (256 MiB) a spec or model may have")
	if err != nil {
		return nil, fmt.Errorf("--%s: %v", flagName, err)
	}
	return data, nil
}

func readSpec(path string, dt tensor.Dtype) (*mlp.Spec, error) {
	data, err := readFile("spec", path)
	if err != nil {
		return nil, err
	}
	s, err := mlp.ParseSpec(data, dt)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return s, nil
}
