package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

func init() {
	addVJP(func(r *rand.Rand) []vjpCase {
		d := func() int { return 1 + r.IntN(3) }
		B, H, I, J, K, L := d(), d(), 2+r.IntN(2), d(), d(), d()
		S := func(d ...int) graph.Shape { return graph.Shape(d) }
		var cs []vjpCase
		for _, c := range []struct {
			name, eq string
			shapes   []graph.Shape
		}{
			{"matmul", "ij,jk->ik", []graph.Shape{S(I, J), S(J, K)}},
			{"batch_matmul", "bij,bjk->bik", []graph.Shape{S(B, I, J), S(B, J, K)}},
			{"attention_scores", "bhqd,bhkd->bhqk", []graph.Shape{S(B, H, I, J), S(B, H, K, J)}},
			{"transposed_a", "bji,bjk->bik", []graph.Shape{S(B, J, I), S(B, J, K)}},
			{"batch_not_leading", "ibj,jkb->bik", []graph.Shape{S(I, B, J), S(J, K, B)}},
			{"dot", "i,i->", []graph.Shape{S(I), S(I)}},
			{"transpose", "ij->ji", []graph.Shape{S(I, J)}},
			{"column_sums", "ij->j", []graph.Shape{S(I, J)}},
			{"ellipsis_broadcast", "...ij,...jk->...ik", []graph.Shape{S(2, 1, I, J), S(B, J, K)}},
			{"three_operands", "bn,anm,bm->ba", []graph.Shape{S(B, J), S(I, J, K), S(B, K)}},
			{"elementwise", "ij,ij->ij", []graph.Shape{S(I, J), S(I, J)}},
			{"outer", "i,j->ij", []graph.Shape{S(I), S(J)}},
			{"diagonal", "bii->bi", []graph.Shape{S(B, I, I)}},
			{"trace_product", "ij,ji", []graph.Shape{S(I, J), S(J, I)}},
			{"private_index", "ijl,kl->ik", []graph.Shape{S(I, J, L), S(K, L)}},
		} {
			cs = append(cs, vjpCase{name: fmt.Sprintf("Einsum/%s_%s", c.name, c.shapes), shapes: c.shapes, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node { return ops.Einsum(c.eq, in...) }})
		}
		return cs
	})

	einsumForwardCases()

	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		a := param(g, "ein_a", dt, anyReal, 2, 3, 4)
		b := param(g, "ein_b", dt, anyReal, 2, 5, 4)
		m := param(g, "ein_m", dt, anyReal, 3, 3)
		return []*graph.Node{ops.Einsum("bij,bkj->bik", a, b), ops.Einsum("bij,bkj->ik", a, b), ops.Einsum("ii->i", m),
			ops.Einsum("...ij,jk->...ik", a, param(g, "ein_c", dt, anyReal, 4, 2)),
			ops.Einsum("bij,ki", a, m), ops.Einsum("i,j", ops.Einsum("ii->i", m), ops.Einsum("ij->j", m))}
	})
}

// einsumForwardCases: values from torch.einsum in float64 (each checked
// against numpy.einsum) and ONNX's backend test data (onnx 1.12,
// test_einsum_*); ops/testdata/einsum_cases.py prints them.
func einsumForwardCases() {
	S := func(d ...int) graph.Shape { return graph.Shape(d) }
	addForward(
		forwardCase{name: "Einsum/matmul", in: []val{
			f64(S(2, 3), 0.5, 1.59, 1.1, -1.1, -0.8, 1.49),
			f64(S(3, 4), -1.98, 1.28, 1.19, -0.13, -0.79, -0.89, -0.98, -0.22, 0.02, 0.21, 1.98, 1.17)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ij,jk->ik", in[0], in[1]) },
			want:  f64(S(2, 4), -2.2241000000000004, -0.5441, 1.2147999999999999, 0.8721999999999999, 2.8398, -0.38310000000000005, 2.4252000000000002, 2.0623)},
		forwardCase{name: "Einsum/batch_matmul", in: []val{
			f64(S(2, 2, 3), 0.49, 1.96, -1.14, -1.36, 0.45, -1.82, -1.86, 0.06, -0.14, 1.67, 0.52, 0.06),
			f64(S(2, 3, 2), -0.01, -1.01, -1.95, -1.23, 0.77, -1.2, -0.52, -1.99, 1.32, -1.38, -0.93, 1.52)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("bij,bjk->bik", in[0], in[1]) },
			want:  f64(S(2, 2, 2), -4.7047, -1.5377, -2.2653, 3.0041, 1.1766, 3.4057999999999997, -0.23779999999999996, -3.9496999999999995)},
		forwardCase{name: "Einsum/attention_scores", in: []val{
			f64(S(2, 2, 3, 2), 0.04, 1.39, 0.56, 0.97, -1.63, 0.16, 0.03, 1.49, -0.55, 0.39, -1.76, -0.45, -0.71, -1.4, 1.27, -0.48, 1.91, 0.36, 0.42, 0.55, 0.71, -1.4, -0.24, -1.04),
			f64(S(2, 2, 2, 2), -0.39, -1.61, 1.87, -1.14, 0.69, -0.8, 1.5, 0.65, -1.47, 1.38, 1.78, 1.62, 0.28, -1.42, -1.23, 1.71)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("bhqd,bhkd->bhqk", in[0], in[1]) },
			want:  f64(S(2, 2, 3, 2), -2.2535, -1.5097999999999998, -1.7801, -0.05859999999999976, 0.37809999999999994, -3.2304999999999997, -1.1713, 1.0135, -0.6915, -0.5715000000000001, -0.8543999999999998, -2.9325, -0.8882999999999999, -3.5317999999999996, -2.5293, 1.483, -2.3108999999999997, 3.983, -0.6634, 0.42390000000000005, 2.1868, -3.2672999999999996, 1.4096, -1.4832)},
		forwardCase{name: "Einsum/transposed_a", in: []val{
			f64(S(2, 3, 2), 0.21, -1.28, 1.54, 0.57, 0.28, -0.49, -0.36, -1.04, -1.85, 1.5, -0.13, 0.19),
			f64(S(2, 3, 2), -0.71, 1.01, -1.9, -0.51, -1.88, -1.51, 1.87, 0.63, -0.29, 0.09, 1.49, -0.62)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("bji,bjk->bik", in[0], in[1]) },
			want:  f64(S(2, 2, 2), -3.6014999999999997, -0.9961000000000001, 0.7469999999999999, -0.8435999999999999, -0.3304, -0.3127, -2.0967, -0.638)},
		forwardCase{name: "Einsum/batch_not_leading", in: []val{
			f64(S(2, 2, 3), 0.36, 0.73, -0.58, 0.08, 1.06, 1.64, -1.4, 1.73, -1.98, 1.01, 1.24, -1.45),
			f64(S(3, 2, 2), -0.32, 1.26, -1.94, 0.51, 1.17, 0.05, 0.9, -1.09, -1.21, -0.55, -1.28, -0.62)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ibj,jkb->bik", in[0], in[1]) },
			want:  f64(S(2, 2, 2), 1.4407, 0.7010000000000001, 4.8679, 6.8073999999999995, -0.7482, -2.1314, 2.1321, 0.06249999999999989)},
		forwardCase{name: "Einsum/dot", in: []val{
			f64(S(5), 1.79, 0.29, -0.64, -0.91, 1.81),
			f64(S(5), -0.22, 1.92, 0.06, 0.08, 1.59)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("i,i->", in[0], in[1]) },
			want:  f64(S(), 2.9297000000000004)},
		forwardCase{name: "Einsum/transpose", in: []val{
			f64(S(2, 3), 0.97, 0.32, -0.29, 1.51, -0.35, 1.69)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ij->ji", in[0]) },
			want:  f64(S(3, 2), 0.97, 1.51, 0.32, -0.35, -0.29, 1.69)},
		forwardCase{name: "Einsum/column_sums", in: []val{
			f64(S(3, 4), -1.73, -0.28, 0.08, 1.8, -1.0, 1.22, 0.71, 0.87, 0.52, 1.89, -0.67, -0.41)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ij->j", in[0]) },
			want:  f64(S(4), -2.21, 2.83, 0.11999999999999988, 2.26)},
		forwardCase{name: "Einsum/sum_all", in: []val{
			f64(S(2, 3, 2), -1.19, -1.8, -1.15, 1.66, 1.36, -1.55, 0.42, -0.08, 0.38, 0.64, -0.77, 1.85)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ijk->", in[0]) },
			want:  f64(S(), -0.22999999999999998)},
		forwardCase{name: "Einsum/ellipsis_broadcast", in: []val{
			f64(S(2, 1, 2, 3), -0.14, 0.51, 0.54, -1.26, -1.75, -0.35, 1.06, 1.26, 0.92, -1.55, 1.65, 1.21),
			f64(S(3, 3, 2), 1.51, 0.09, 1.66, -1.81, -1.88, -1.92, -0.99, -1.01, -1.25, 0.27, -1.84, 0.36, -1.34, 0.71, -1.92, -0.76, 1.75, 0.15)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("...ij,...jk->...ik", in[0], in[1]) },
			want:  f64(S(2, 3, 2, 2), -0.3800000000000001, -1.9725, -4.1495999999999995, 3.7260999999999997, -1.4925000000000002, 0.47350000000000003, 4.0789, 0.6740999999999999, 0.1534000000000001, -0.40599999999999997, 4.4359, 0.38290000000000013, 1.9626000000000001, -3.9516, -1.8763, -5.449199999999999, -4.3172, -0.39919999999999994, -2.7544, 2.4466, -2.2295999999999996, -0.06699999999999995, 1.0265000000000004, -2.173)},
		forwardCase{name: "Einsum/ellipsis_contracted", in: []val{
			f64(S(2, 3, 4), 1.25, 0.63, 0.44, -1.23, 0.3, -1.84, 1.21, 1.84, 1.42, -1.8, -0.65, -0.73, -1.55, 0.51, 1.19, -0.75, 1.45, 1.19, -1.48, 1.07, 1.53, -1.21, 0.29, 0.55),
			f64(S(3, 4), 0.44, -1.62, 0.64, 0.53, 1.3, 1.21, -0.69, 0.89, 1.47, 1.57, -1.35, -1.89)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("...i,...i->...", in[0], in[1]) },
			want:  f64(S(2, 3), -0.8409000000000002, -1.0336999999999994, 1.5185999999999997, -1.1441000000000001, 5.2984, -1.0816000000000001)},
		forwardCase{name: "Einsum/ellipsis_middle", in: []val{
			f64(S(2, 3, 1, 4), 0.6, -1.14, 0.25, 1.78, -0.48, -0.99, -0.17, 0.63, -1.6, -0.48, -1.47, 0.65, 1.32, -0.49, -0.51, 0.16, -1.14, -1.01, -0.68, -0.17, -1.67, 1.01, 0.32, -0.8)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("a...b->b...a", in[0]) },
			want:  f64(S(4, 3, 1, 2), 0.6, 1.32, -0.48, -1.14, -1.6, -1.67, -1.14, -0.49, -0.99, -1.01, -0.48, 1.01, 0.25, -0.51, -0.17, -0.68, -1.47, 0.32, 1.78, 0.16, 0.63, -0.17, 0.65, -0.8)},
		forwardCase{name: "Einsum/three_operands", in: []val{
			f64(S(2, 3), -1.69, 1.05, -1.48, -1.47, -1.48, -1.67),
			f64(S(2, 3, 4), 1.63, -0.92, -0.77, 1.33, 0.48, -1.25, -0.26, 1.54, -0.5, 0.84, -1.61, 0.91, 1.11, 1.3, 0.7, -0.52, -1.74, 0.08, 1.03, -1.24, -0.94, 0.14, 0.99, 1.59),
			f64(S(2, 4), -1.5, -1.26, 1.2, 0.58, 0.88, 1.99, 1.76, 1.37)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("bn,anm,bm->ba", in[0], in[1], in[2]) },
			want:  f64(S(2, 2), 6.473553999999998, 2.900650000000001, 1.100807999999999, -9.772165)},
		forwardCase{name: "Einsum/four_operands_chain", in: []val{
			f64(S(2, 3), 1.11, -0.42, 0.56, -1.26, 1.04, 1.03),
			f64(S(3, 2), 0.89, -0.22, -0.49, -0.32, -1.87, 1.38),
			f64(S(2, 2), 0.17, -0.45, 0.19, 0.89),
			f64(S(2, 3), -0.47, 1.32, 1.68, -0.45, -1.45, 1.04)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ij,jk,kl,lm->im", in[0], in[1], in[2], in[3]) },
			want:  f64(S(2, 3), -0.3067765, -0.5608552499999999, 0.7985808000000001, -1.1050693000000003, -4.53924325, 2.34896288)},
		forwardCase{name: "Einsum/elementwise", in: []val{
			f64(S(2, 3), 1.97, -1.41, 0.85, 1.3, 1.68, -1.51),
			f64(S(2, 3), -1.63, 1.95, -1.53, -1.29, 0.3, -0.21)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ij,ij->ij", in[0], in[1]) },
			want:  f64(S(2, 3), -3.2110999999999996, -2.7495, -1.3005, -1.677, 0.504, 0.3171)},
		forwardCase{name: "Einsum/outer", in: []val{
			f64(S(3), 1.0, -1.24, 1.66),
			f64(S(2), -1.13, 1.08)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("i,j->ij", in[0], in[1]) },
			want:  f64(S(3, 2), -1.13, 1.08, 1.4011999999999998, -1.3392000000000002, -1.8757999999999997, 1.7928)},
		forwardCase{name: "Einsum/outer_batched", in: []val{
			f64(S(2, 3), -1.73, -0.11, -1.87, -0.74, -0.75, 0.88),
			f64(S(2, 2), -0.18, -1.77, 1.98, 1.55)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("bi,bj->bji", in[0], in[1]) },
			want:  f64(S(2, 2, 3), 0.3114, 0.019799999999999998, 0.3366, 3.0621, 0.1947, 3.3099000000000003, -1.4652, -1.4849999999999999, 1.7424, -1.147, -1.1625, 1.364)},
		forwardCase{name: "Einsum/diagonal", in: []val{
			f64(S(3, 3), 1.67, -1.01, -0.42, -1.09, -1.5, -1.87, 0.01, -1.51, -1.29)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ii->i", in[0]) },
			want:  f64(S(3), 1.67, -1.5, -1.29)},
		forwardCase{name: "Einsum/trace", in: []val{
			f64(S(3, 3), 1.44, -0.06, -1.27, 0.68, -0.94, 0.11, -0.87, 0.06, 0.51)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ii", in[0]) },
			want:  f64(S(), 1.01)},
		forwardCase{name: "Einsum/batch_diagonal", in: []val{
			f64(S(2, 3, 3), 0.14, -0.42, 1.16, 1.49, -1.28, -1.45, -1.55, 1.92, 1.77, -1.08, 1.88, -1.17, 0.03, -0.01, 1.66, -1.84, -0.74, 0.4)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("...ii->...i", in[0]) },
			want:  f64(S(2, 3), 0.14, -1.28, 1.77, -1.08, -0.01, 0.4)},
		forwardCase{name: "Einsum/diagonal_times_vector", in: []val{
			f64(S(2, 3), -1.73, -1.05, -0.14, 1.52, 1.04, 1.32),
			f64(S(3, 3), 1.04, 0.83, 1.4, 0.73, 0.94, -0.79, -1.33, 1.03, -1.34)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ij,jj->i", in[0], in[1]) },
			want:  f64(S(2), -2.5986, 0.7895999999999996)},
		forwardCase{name: "Einsum/implicit_matmul", in: []val{
			f64(S(2, 3), 1.68, 0.39, -0.68, 1.75, -1.38, 0.06),
			f64(S(3, 2), -1.63, 1.86, 0.3, 1.21, -0.87, 1.21)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ij,jk", in[0], in[1]) },
			want:  f64(S(2, 2), -2.0297999999999994, 2.7739000000000003, -3.3187, 1.6578000000000006)},
		forwardCase{name: "Einsum/implicit_transpose", in: []val{
			f64(S(2, 3), 0.81, 0.57, 1.8, -0.27, -0.34, 0.77)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ba", in[0]) },
			want:  f64(S(3, 2), 0.81, -0.27, 0.57, -0.34, 1.8, 0.77)},
		forwardCase{name: "Einsum/implicit_uppercase_first", in: []val{
			f64(S(2, 3), 1.34, -0.66, 0.68, -1.16, 0.21, 1.08),
			f64(S(2, 2), -1.74, 0.91, -1.94, 1.83)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("bA,bc", in[0], in[1]) },
			want:  f64(S(3, 2), -0.08120000000000038, -0.9033999999999998, 0.7410000000000001, -0.21630000000000005, -3.2784000000000004, 2.5952)},
		forwardCase{name: "Einsum/spaces", in: []val{
			f64(S(2, 1, 3), -0.13, -0.36, 0.88, 0.09, 0.92, -1.66),
			f64(S(2, 3, 2), 0.25, 0.23, 1.73, -1.84, -0.19, 0.52, 0.2, -1.7, 0.37, -1.11, -1.22, 1.51)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum(" bij , bjk -> bik ", in[0], in[1]) },
			want:  f64(S(2, 1, 2), -0.8225, 1.0901, 2.3836, -3.6807999999999996)},
		forwardCase{name: "Einsum/private_index_summed", in: []val{
			f64(S(2, 3), -1.21, -0.18, 1.0, 0.83, 0.21, 1.23),
			f64(S(2, 2), -0.14, 0.48, 1.28, 0.71)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ij,kl->ik", in[0], in[1]) },
			want:  f64(S(2, 2), -0.13259999999999997, -0.7760999999999998, 0.7717999999999999, 4.5173)},
		forwardCase{name: "Einsum/onnx_batch_matmul", in: []val{
			f64(S(5, 2, 3), 1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675, -0.977277879876411, 0.9500884175255894, -0.1513572082976979, -0.10321885179355784, 0.41059850193837233, 0.144043571160878, 1.454273506962975, 0.7610377251469934, 0.12167501649282841, 0.44386323274542566, 0.33367432737426683, 1.4940790731576061, -0.20515826376580087, 0.31306770165090136, -0.8540957393017248, -2.5529898158340787, 0.6536185954403606, 0.8644361988595057, -0.7421650204064419, 2.2697546239876076, -1.4543656745987648, 0.04575851730144607, -0.1871838500258336, 1.5327792143584575, 1.469358769900285),
			f64(S(5, 3, 4), 0.1549474256969163, 0.37816251960217356, -0.8877857476301128, -1.980796468223927, -0.3479121493261526, 0.15634896910398005, 1.2302906807277207, 1.2023798487844113, -0.3873268174079523, -0.30230275057533557, -1.0485529650670926, -1.4200179371789752, -1.7062701906250126, 1.9507753952317897, -0.5096521817516535, -0.4380743016111864, -1.2527953600499262, 0.7774903558319101, -1.6138978475579515, -0.2127402802139687, -0.8954665611936756, 0.386902497859262, -0.510805137568873, -1.180632184122412, -0.028182228338654868, 0.42833187053041766, 0.06651722238316789, 0.3024718977397814, -0.6343220936809636, -0.3627411659871381, -0.672460447775951, -0.3595531615405413, -0.813146282044454, -1.7262826023316769, 0.17742614225375283, -0.4017809362082619, -1.6301983469660446, 0.4627822555257742, -0.9072983643832422, 0.05194539579613895, 0.7290905621775369, 0.12898291075741067, 1.1394006845433007, -1.2348258203536526, 0.402341641177549, -0.6848100909403132, -0.8707971491818818, -0.5788496647644155, -0.31155253212737266, 0.05616534222974544, -1.1651498407833565, 0.9008264869541871, 0.46566243973045984, -1.5362436862772237, 1.4882521937955997, 1.8958891760305832, 1.1787795711596507, -0.17992483581235091, -1.0707526215105425, 1.0544517269311366)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("bij, bjk -> bik", in[0], in[1]) },
			want:  f64(S(5, 2, 4), -0.2449756530890492, 0.43378746218127495, -2.1000494618012033, -4.402913186196848, 0.07600044906940934, 1.4348463760343186, 1.3329337654266886, -0.8054871218198842, -1.339058906750601, 1.6957947068814332, -0.18721484237474798, -0.26214604663510777, -2.1833023980833026, 1.475639994712103, -1.1845844105749435, -1.9274786285080947, -0.45955462759799476, -0.48439320150081144, 0.047553420605969635, 0.008108102915400511, -0.7903073724831986, -0.04487949481849868, -1.0189144324021775, -0.3538450680307544, -2.1602497048529434, 1.7830316105326642, 0.9659331698437077, 2.5487191966595786, -0.7338795719749507, 0.9222226800617044, 1.0381872981434612, -0.6038736884980718, -1.3304520633035486, 2.353508536662, -4.858063196916035, -0.664410908697119, 2.5041254116379257, -2.629609770935472, 0.9259395066178495, 4.286727244116296)},
		forwardCase{name: "Einsum/onnx_inner_prod", in: []val{
			f64(S(5), 1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675),
			f64(S(5), -0.977277879876411, 0.9500884175255894, -0.1513572082976979, -0.10321885179355784, 0.41059850193837233)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("i,i", in[0], in[1]) },
			want:  f64(S(), -0.956409566703329)},
		forwardCase{name: "Einsum/onnx_sum", in: []val{
			f64(S(3, 4), 1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675, -0.977277879876411, 0.9500884175255894, -0.1513572082976979, -0.10321885179355784, 0.41059850193837233, 0.144043571160878, 1.454273506962975)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ij->i", in[0]) },
			want:  f64(S(3), 5.383840737642084, 1.6890113195014478, 1.9056967282686674)},
		forwardCase{name: "Einsum/onnx_transpose", in: []val{
			f64(S(3, 4), 1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675, -0.977277879876411, 0.9500884175255894, -0.1513572082976979, -0.10321885179355784, 0.41059850193837233, 0.144043571160878, 1.454273506962975)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("ij->ji", in[0]) },
			want:  f64(S(4, 3), 1.764052345967664, 1.8675579901499675, -0.10321885179355784, 0.4001572083672233, -0.977277879876411, 0.41059850193837233, 0.9787379841057392, 0.9500884175255894, 0.144043571160878, 2.240893199201458, -0.1513572082976979, 1.454273506962975)},
		forwardCase{name: "Einsum/onnx_batch_diagonal", in: []val{
			f64(S(3, 5, 5), 1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675, -0.977277879876411, 0.9500884175255894, -0.1513572082976979, -0.10321885179355784, 0.41059850193837233, 0.144043571160878, 1.454273506962975, 0.7610377251469934, 0.12167501649282841, 0.44386323274542566, 0.33367432737426683, 1.4940790731576061, -0.20515826376580087, 0.31306770165090136, -0.8540957393017248, -2.5529898158340787, 0.6536185954403606, 0.8644361988595057, -0.7421650204064419, 2.2697546239876076, -1.4543656745987648, 0.04575851730144607, -0.1871838500258336, 1.5327792143584575, 1.469358769900285, 0.1549474256969163, 0.37816251960217356, -0.8877857476301128, -1.980796468223927, -0.3479121493261526, 0.15634896910398005, 1.2302906807277207, 1.2023798487844113, -0.3873268174079523, -0.30230275057533557, -1.0485529650670926, -1.4200179371789752, -1.7062701906250126, 1.9507753952317897, -0.5096521817516535, -0.4380743016111864, -1.2527953600499262, 0.7774903558319101, -1.6138978475579515, -0.2127402802139687, -0.8954665611936756, 0.386902497859262, -0.510805137568873, -1.180632184122412, -0.028182228338654868, 0.42833187053041766, 0.06651722238316789, 0.3024718977397814, -0.6343220936809636, -0.3627411659871381, -0.672460447775951, -0.3595531615405413, -0.813146282044454, -1.7262826023316769, 0.17742614225375283, -0.4017809362082619, -1.6301983469660446, 0.4627822555257742, -0.9072983643832422, 0.05194539579613895, 0.7290905621775369, 0.12898291075741067, 1.1394006845433007, -1.2348258203536526, 0.402341641177549)},
			build: func(in []*graph.Node) *graph.Node { return ops.Einsum("...ii ->...i", in[0]) },
			want:  f64(S(3, 5), 1.764052345967664, 0.9500884175255894, 0.7610377251469934, 0.31306770165090136, 2.2697546239876076, -1.4543656745987648, 0.37816251960217356, 1.2023798487844113, 1.9507753952317897, -0.2127402802139687, -0.8954665611936756, 0.06651722238316789, -0.813146282044454, -0.9072983643832422, 0.402341641177549)},
	)
}

// TestEinsumRejectsBadEquations: a malformed equation, or one that does not
// fit the operands, is a build error naming the operands and their shapes.
func TestEinsumRejectsBadEquations(t *testing.T) {
	for _, tt := range []struct {
		eq     string
		shapes []graph.Shape
		want   string
	}{
		{"ij,jk->ik", []graph.Shape{{2, 3}, {4, 5}}, `Einsum(x0, x1): shapes 2x3 and 4x5 do not fit "ij,jk->ik": index j has lengths 3 and 4`},
		{"ij,jk->ik", []graph.Shape{{2, 3}}, `Einsum(x0): shape 2x3 does not fit "ij,jk->ik": 2 terms for 1 operands`},
		{"ijk->i", []graph.Shape{{2, 3}}, `Einsum(x0): shape 2x3 does not fit "ijk->i": term "ijk" has 3 indices for operand 0 of rank 2`},
		{"ij->i", []graph.Shape{{2, 3, 4}}, `Einsum(x0): shape 2x3x4 does not fit "ij->i": term "ij" has 2 indices for operand 0 of rank 3`},
		{"...ij->...i", []graph.Shape{{2}}, `Einsum(x0): shape 2 does not fit "...ij->...i": term "...ij" has 2 indices for operand 0 of rank 1`},
		{"ij->k", []graph.Shape{{2, 3}}, `Einsum(x0): shape 2x3 does not fit "ij->k": the output's index k is in no operand`},
		{"ij->ii", []graph.Shape{{2, 3}}, `Einsum(x0): shape 2x3 does not fit "ij->ii": the output repeats index i`},
		{"i1->i", []graph.Shape{{2, 3}}, `Einsum(x0): shape 2x3 does not fit "i1->i": term "i1" holds "1", not a letter or an ellipsis`},
		{"i.j->i", []graph.Shape{{2, 3}}, `Einsum(x0): shape 2x3 does not fit "i.j->i": term "i.j" holds ".", not a letter or an ellipsis`},
		{"......->", []graph.Shape{{2, 3}}, `Einsum(x0): shape 2x3 does not fit "......->": term "......" has two ellipses`},
		{"ij->j->i", []graph.Shape{{2, 3}}, `Einsum(x0): shape 2x3 does not fit "ij->j->i": more than one ->`},
		{"...i,...i->...i", []graph.Shape{{2, 3}, {3, 3}}, `Einsum(x0, x1): shapes 2x3 and 3x3 do not fit "...i,...i->...i": the ellipsis axes do not broadcast (lengths 2 and 3)`},
		{"...i->i", []graph.Shape{{2, 3}}, `Einsum(x0): shape 2x3 does not fit "...i->i": the output lacks the ellipsis of the operands' 1 broadcast axes`},
		{"ii->i", []graph.Shape{{2, 3}}, `Einsum(x0): shape 2x3 does not fit "ii->i": index i has lengths 2 and 3`},
	} {
		g := graph.New()
		var xs []*graph.Node
		for i, s := range tt.shapes {
			xs = append(xs, g.Input(fmt.Sprintf("x%d", i), graph.Float64, s...))
		}
		out := ops.Einsum(tt.eq, xs...)
		assert.EqualError(t, g.Err(), tt.want)
		assert.True(t, out.Failed())
	}
	g := graph.New()
	ops.Einsum("ij,jk", g.Input("a", graph.Float64, 2, 3), g.Input("b", graph.Int64, 3, 2))
	assert.EqualError(t, g.Err(), "Einsum(a, b): dtypes float64 and int64 are not float32 or float64 alike")
}
