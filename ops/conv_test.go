package ops_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// convOnnxTol is the relative tolerance of the cases copied from ONNX's
// backend tests, whose expected values were computed and stored in
// float32.
const convOnnxTol = 1e-6

func init() {
	addVJP(func(r *rand.Rand) []vjpCase {
		var cs []vjpCase
		conv := func(name string, xs, ws graph.Shape, bias bool, o ops.ConvOptions) {
			shapes := []graph.Shape{xs, ws}
			if bias {
				shapes = append(shapes, graph.Shape{ws[0]})
			}
			cs = append(cs, vjpCase{name: "Conv/" + name, shapes: shapes, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node {
					var b *graph.Node
					if bias {
						b = in[2]
					}
					return ops.Conv(in[0], in[1], b, o)
				}})
		}
		const N = 2 // fixed: the cases draw nothing from r, which the families after these share
		conv("1d_group2_stride2_pads1x2_dil2_bias", graph.Shape{N, 4, 9}, graph.Shape{4, 2, 3}, true,
			ops.ConvOptions{Strides: []int{2}, Pads: []int{1, 2}, Dilations: []int{2}, Group: 2})
		conv("2d_group2_stride2x1_pads_dil1x2_bias", graph.Shape{N, 4, 5, 6}, graph.Shape{4, 2, 3, 2}, true,
			ops.ConvOptions{Strides: []int{2, 1}, Pads: []int{1, 0, 2, 1}, Dilations: []int{1, 2}, Group: 2})
		conv("2d_same_lower_stride2", graph.Shape{N, 2, 5, 4}, graph.Shape{3, 2, 3, 2}, false,
			ops.ConvOptions{Strides: []int{2, 2}, AutoPad: ops.AutoPadSameLower})
		conv("2d_1x1_bias", graph.Shape{N, 3, 3, 4}, graph.Shape{2, 3, 1, 1}, true, ops.ConvOptions{})
		conv("3d_group2_stride_pad_dil", graph.Shape{N, 2, 4, 3, 4}, graph.Shape{2, 1, 2, 2, 2}, true,
			ops.ConvOptions{Strides: []int{1, 2, 2}, Pads: []int{1, 0, 1, 0, 1, 0}, Dilations: []int{2, 1, 1}, Group: 2})

		convT := func(name string, xs, ws graph.Shape, bias bool, o ops.ConvTransposeOptions) {
			shapes := []graph.Shape{xs, ws}
			if bias {
				shapes = append(shapes, graph.Shape{ws[1] * max(1, o.Group)})
			}
			cs = append(cs, vjpCase{name: "ConvTranspose/" + name, shapes: shapes, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node {
					var b *graph.Node
					if bias {
						b = in[2]
					}
					return ops.ConvTranspose(in[0], in[1], b, o)
				}})
		}
		convT("1d_stride2_outpad1", graph.Shape{N, 2, 4}, graph.Shape{2, 3, 3}, true,
			ops.ConvTransposeOptions{Strides: []int{2}, Pads: []int{1, 0}, OutputPadding: []int{1}})
		convT("2d_group2_stride2x3_outpad1x2_dil", graph.Shape{N, 4, 3, 2}, graph.Shape{4, 1, 2, 3}, true,
			ops.ConvTransposeOptions{Strides: []int{2, 3}, Pads: []int{1, 0, 0, 1}, OutputPadding: []int{1, 2}, Dilations: []int{1, 2}, Group: 2})
		convT("2d_output_shape", graph.Shape{N, 2, 3, 3}, graph.Shape{2, 2, 2, 2}, false,
			ops.ConvTransposeOptions{Strides: []int{2, 2}, OutputShape: []int{8, 7}})
		convT("3d_stride2", graph.Shape{1, 2, 2, 3, 2}, graph.Shape{2, 1, 2, 2, 2}, false,
			ops.ConvTransposeOptions{Strides: []int{2, 1, 2}, Pads: []int{0, 1, 0, 1, 0, 0}})

		// The gradient ops on their own, each input random: their VJPs are
		// Conv and each other.
		o2 := ops.ConvOptions{Strides: []int{2, 1}, Pads: []int{1, 0, 0, 1}, Dilations: []int{1, 2}, Group: 2}
		xs, ws := graph.Shape{N, 4, 5, 5}, graph.Shape{2, 2, 3, 2}
		ys := graph.Shape{N, 2, 2, 4}
		cs = append(cs,
			vjpCase{name: "ConvGradInput/2d_group2_stride_pads_dil", shapes: []graph.Shape{ys, ws}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node { return ops.ConvGradInput(in[0], in[1], xs, o2) }},
			vjpCase{name: "ConvGradWeight/2d_group2_stride_pads_dil", shapes: []graph.Shape{xs, ys}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node { return ops.ConvGradWeight(in[0], in[1], ws, o2) }},
			vjpCase{name: "ConvGradInput/1d_same_upper", shapes: []graph.Shape{{3, 2, 3}, {2, 1, 3}}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node {
					return ops.ConvGradInput(in[0], in[1], graph.Shape{3, 2, 6}, ops.ConvOptions{Strides: []int{2}, AutoPad: ops.AutoPadSameUpper, Group: 2})
				}},
			vjpCase{name: "ConvGradWeight/3d", shapes: []graph.Shape{{2, 1, 3, 3, 2}, {2, 2, 2, 2, 1}}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node {
					return ops.ConvGradWeight(in[0], in[1], graph.Shape{2, 1, 2, 2, 2}, ops.ConvOptions{})
				}},
		)
		return cs
	})

	S := func(d ...int) graph.Shape { return graph.Shape(d) }
	// Copied from ONNX 1.12's backend tests (test_<name> of
	// onnx/backend/test/data/node: model attributes, input_*.pb and
	// output_0.pb), read with onnx.numpy_helper.
	addForward(
		forwardCase{name: "Conv/onnx_basic_conv_with_padding", rtol: convOnnxTol, in: []val{f64(S(1, 1, 5, 5), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24), f64(S(1, 1, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], nil, ops.ConvOptions{Pads: []int{1, 1, 1, 1}})
			},
			want: f64(S(1, 1, 5, 5), 12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84)},
		forwardCase{name: "Conv/onnx_basic_conv_without_padding", rtol: convOnnxTol, in: []val{f64(S(1, 1, 5, 5), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24), f64(S(1, 1, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], nil, ops.ConvOptions{Pads: []int{0, 0, 0, 0}})
			},
			want: f64(S(1, 1, 3, 3), 54, 63, 72, 99, 108, 117, 144, 153, 162)},
		forwardCase{name: "Conv/onnx_conv_with_autopad_same", rtol: convOnnxTol, in: []val{f64(S(1, 1, 5, 5), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24), f64(S(1, 1, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], nil, ops.ConvOptions{AutoPad: ops.AutoPadSameLower, Strides: []int{2, 2}})
			},
			want: f64(S(1, 1, 3, 3), 12, 27, 24, 63, 108, 81, 72, 117, 84)},
		forwardCase{name: "Conv/onnx_conv_with_strides_and_asymmetric_padding", rtol: convOnnxTol, in: []val{f64(S(1, 1, 7, 5), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34), f64(S(1, 1, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], nil, ops.ConvOptions{Pads: []int{1, 0, 1, 0}, Strides: []int{2, 2}})
			},
			want: f64(S(1, 1, 4, 2), 21, 33, 99, 117, 189, 207, 171, 183)},
		forwardCase{name: "Conv/onnx_conv_with_strides_no_padding", rtol: convOnnxTol, in: []val{f64(S(1, 1, 7, 5), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34), f64(S(1, 1, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], nil, ops.ConvOptions{Pads: []int{0, 0, 0, 0}, Strides: []int{2, 2}})
			},
			want: f64(S(1, 1, 3, 2), 54, 72, 144, 162, 234, 252)},
		forwardCase{name: "Conv/onnx_conv_with_strides_padding", rtol: convOnnxTol, in: []val{f64(S(1, 1, 7, 5), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34), f64(S(1, 1, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], nil, ops.ConvOptions{Pads: []int{1, 1, 1, 1}, Strides: []int{2, 2}})
			},
			want: f64(S(1, 1, 4, 3), 12, 27, 24, 63, 108, 81, 123, 198, 141, 112, 177, 124)},
		forwardCase{name: "ConvTranspose/onnx_convtranspose", rtol: convOnnxTol, in: []val{f64(S(1, 1, 3, 3), 0, 1, 2, 3, 4, 5, 6, 7, 8), f64(S(1, 2, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvTranspose(in[0], in[1], nil, ops.ConvTransposeOptions{})
			},
			want: f64(S(1, 2, 5, 5), 0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8, 0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8)},
		forwardCase{name: "ConvTranspose/onnx_convtranspose_1d", rtol: convOnnxTol, in: []val{f64(S(1, 1, 3), 0, 1, 2), f64(S(1, 2, 3), 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvTranspose(in[0], in[1], nil, ops.ConvTransposeOptions{})
			},
			want: f64(S(1, 2, 5), 0, 1, 3, 3, 2, 0, 1, 3, 3, 2)},
		forwardCase{name: "ConvTranspose/onnx_convtranspose_3d", rtol: convOnnxTol, in: []val{f64(S(1, 1, 3, 4, 5), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59), f64(S(1, 2, 3, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvTranspose(in[0], in[1], nil, ops.ConvTransposeOptions{})
			},
			want: f64(S(1, 2, 5, 6, 7), 0, 1, 3, 6, 9, 7, 4, 5, 12, 21, 27, 33, 24, 13, 15, 33, 54, 63, 72, 51, 27, 30, 63, 99, 108, 117, 81, 42, 25, 52, 81, 87, 93, 64, 33, 15, 31, 48, 51, 54, 37, 19, 20, 42, 66, 72, 78, 54, 28, 50, 104, 162, 174, 186, 128, 66, 90, 186, 288, 306, 324, 222, 114, 120, 246, 378, 396, 414, 282, 144, 90, 184, 282, 294, 306, 208, 106, 50, 102, 156, 162, 168, 114, 58, 60, 123, 189, 198, 207, 141, 72, 135, 276, 423, 441, 459, 312, 159, 225, 459, 702, 729, 756, 513, 261, 270, 549, 837, 864, 891, 603, 306, 195, 396, 603, 621, 639, 432, 219, 105, 213, 324, 333, 342, 231, 117, 60, 122, 186, 192, 198, 134, 68, 130, 264, 402, 414, 426, 288, 146, 210, 426, 648, 666, 684, 462, 234, 240, 486, 738, 756, 774, 522, 264, 170, 344, 522, 534, 546, 368, 186, 90, 182, 276, 282, 288, 194, 98, 40, 81, 123, 126, 129, 87, 44, 85, 172, 261, 267, 273, 184, 93, 135, 273, 414, 423, 432, 291, 147, 150, 303, 459, 468, 477, 321, 162, 105, 212, 321, 327, 333, 224, 113, 55, 111, 168, 171, 174, 117, 59, 0, 1, 3, 6, 9, 7, 4, 5, 12, 21, 27, 33, 24, 13, 15, 33, 54, 63, 72, 51, 27, 30, 63, 99, 108, 117, 81, 42, 25, 52, 81, 87, 93, 64, 33, 15, 31, 48, 51, 54, 37, 19, 20, 42, 66, 72, 78, 54, 28, 50, 104, 162, 174, 186, 128, 66, 90, 186, 288, 306, 324, 222, 114, 120, 246, 378, 396, 414, 282, 144, 90, 184, 282, 294, 306, 208, 106, 50, 102, 156, 162, 168, 114, 58, 60, 123, 189, 198, 207, 141, 72, 135, 276, 423, 441, 459, 312, 159, 225, 459, 702, 729, 756, 513, 261, 270, 549, 837, 864, 891, 603, 306, 195, 396, 603, 621, 639, 432, 219, 105, 213, 324, 333, 342, 231, 117, 60, 122, 186, 192, 198, 134, 68, 130, 264, 402, 414, 426, 288, 146, 210, 426, 648, 666, 684, 462, 234, 240, 486, 738, 756, 774, 522, 264, 170, 344, 522, 534, 546, 368, 186, 90, 182, 276, 282, 288, 194, 98, 40, 81, 123, 126, 129, 87, 44, 85, 172, 261, 267, 273, 184, 93, 135, 273, 414, 423, 432, 291, 147, 150, 303, 459, 468, 477, 321, 162, 105, 212, 321, 327, 333, 224, 113, 55, 111, 168, 171, 174, 117, 59)},
		forwardCase{name: "ConvTranspose/onnx_convtranspose_autopad_same", rtol: convOnnxTol, in: []val{f64(S(1, 1, 3, 3), 0, 1, 2, 3, 4, 5, 6, 7, 8), f64(S(1, 2, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvTranspose(in[0], in[1], nil, ops.ConvTransposeOptions{AutoPad: ops.AutoPadSameUpper, Strides: []int{2, 2}})
			},
			want: f64(S(1, 2, 6, 6), 0, 0, 1, 1, 3, 2, 0, 0, 1, 1, 3, 2, 3, 3, 8, 5, 12, 7, 3, 3, 7, 4, 9, 5, 9, 9, 20, 11, 24, 13, 6, 6, 13, 7, 15, 8, 0, 0, 1, 1, 3, 2, 0, 0, 1, 1, 3, 2, 3, 3, 8, 5, 12, 7, 3, 3, 7, 4, 9, 5, 9, 9, 20, 11, 24, 13, 6, 6, 13, 7, 15, 8)},
		forwardCase{name: "ConvTranspose/onnx_convtranspose_dilations", rtol: convOnnxTol, in: []val{f64(S(1, 1, 3, 3), 3, 8, 1, 9, 5, 7, 3, 2, 6), f64(S(1, 1, 2, 2), 7, 2, 1, 9)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvTranspose(in[0], in[1], nil, ops.ConvTransposeOptions{Dilations: []int{2, 2}})
			},
			want: f64(S(1, 1, 5, 5), 21, 56, 13, 16, 2, 63, 35, 67, 10, 14, 24, 22, 76, 76, 21, 9, 5, 88, 45, 63, 3, 2, 33, 18, 54)},
		forwardCase{name: "ConvTranspose/onnx_convtranspose_kernel_shape", rtol: convOnnxTol, in: []val{f64(S(1, 1, 3, 3), 0, 1, 2, 3, 4, 5, 6, 7, 8), f64(S(1, 2, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvTranspose(in[0], in[1], nil, ops.ConvTransposeOptions{OutputPadding: []int{1, 1}, OutputShape: []int{10, 8}, Strides: []int{3, 2}})
			},
			want: f64(S(1, 2, 10, 8), 0, 0, 1, 1, 3, 2, 2, 0, 0, 0, 1, 1, 3, 2, 2, 0, 0, 0, 1, 1, 3, 2, 2, 0, 3, 3, 7, 4, 9, 5, 5, 0, 3, 3, 7, 4, 9, 5, 5, 0, 3, 3, 7, 4, 9, 5, 5, 0, 6, 6, 13, 7, 15, 8, 8, 0, 6, 6, 13, 7, 15, 8, 8, 0, 6, 6, 13, 7, 15, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3, 2, 2, 0, 0, 0, 1, 1, 3, 2, 2, 0, 0, 0, 1, 1, 3, 2, 2, 0, 3, 3, 7, 4, 9, 5, 5, 0, 3, 3, 7, 4, 9, 5, 5, 0, 3, 3, 7, 4, 9, 5, 5, 0, 6, 6, 13, 7, 15, 8, 8, 0, 6, 6, 13, 7, 15, 8, 8, 0, 6, 6, 13, 7, 15, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
		forwardCase{name: "ConvTranspose/onnx_convtranspose_output_shape", rtol: convOnnxTol, in: []val{f64(S(1, 1, 3, 3), 0, 1, 2, 3, 4, 5, 6, 7, 8), f64(S(1, 2, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvTranspose(in[0], in[1], nil, ops.ConvTransposeOptions{OutputShape: []int{10, 8}, Strides: []int{3, 2}})
			},
			want: f64(S(1, 2, 10, 8), 0, 0, 1, 1, 3, 2, 2, 0, 0, 0, 1, 1, 3, 2, 2, 0, 0, 0, 1, 1, 3, 2, 2, 0, 3, 3, 7, 4, 9, 5, 5, 0, 3, 3, 7, 4, 9, 5, 5, 0, 3, 3, 7, 4, 9, 5, 5, 0, 6, 6, 13, 7, 15, 8, 8, 0, 6, 6, 13, 7, 15, 8, 8, 0, 6, 6, 13, 7, 15, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3, 2, 2, 0, 0, 0, 1, 1, 3, 2, 2, 0, 0, 0, 1, 1, 3, 2, 2, 0, 3, 3, 7, 4, 9, 5, 5, 0, 3, 3, 7, 4, 9, 5, 5, 0, 3, 3, 7, 4, 9, 5, 5, 0, 6, 6, 13, 7, 15, 8, 8, 0, 6, 6, 13, 7, 15, 8, 8, 0, 6, 6, 13, 7, 15, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
		forwardCase{name: "ConvTranspose/onnx_convtranspose_pad", rtol: convOnnxTol, in: []val{f64(S(1, 1, 3, 3), 0, 1, 2, 3, 4, 5, 6, 7, 8), f64(S(1, 2, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvTranspose(in[0], in[1], nil, ops.ConvTransposeOptions{OutputPadding: []int{1, 1}, Strides: []int{3, 2}})
			},
			want: f64(S(1, 2, 10, 8), 0, 0, 1, 1, 3, 2, 2, 0, 0, 0, 1, 1, 3, 2, 2, 0, 0, 0, 1, 1, 3, 2, 2, 0, 3, 3, 7, 4, 9, 5, 5, 0, 3, 3, 7, 4, 9, 5, 5, 0, 3, 3, 7, 4, 9, 5, 5, 0, 6, 6, 13, 7, 15, 8, 8, 0, 6, 6, 13, 7, 15, 8, 8, 0, 6, 6, 13, 7, 15, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3, 2, 2, 0, 0, 0, 1, 1, 3, 2, 2, 0, 0, 0, 1, 1, 3, 2, 2, 0, 3, 3, 7, 4, 9, 5, 5, 0, 3, 3, 7, 4, 9, 5, 5, 0, 3, 3, 7, 4, 9, 5, 5, 0, 6, 6, 13, 7, 15, 8, 8, 0, 6, 6, 13, 7, 15, 8, 8, 0, 6, 6, 13, 7, 15, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
		forwardCase{name: "ConvTranspose/onnx_convtranspose_pads", rtol: convOnnxTol, in: []val{f64(S(1, 1, 3, 3), 0, 1, 2, 3, 4, 5, 6, 7, 8), f64(S(1, 2, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvTranspose(in[0], in[1], nil, ops.ConvTransposeOptions{Pads: []int{1, 2, 1, 2}, Strides: []int{3, 2}})
			},
			want: f64(S(1, 2, 7, 3), 1, 1, 3, 1, 1, 3, 7, 4, 9, 7, 4, 9, 7, 4, 9, 13, 7, 15, 13, 7, 15, 1, 1, 3, 1, 1, 3, 7, 4, 9, 7, 4, 9, 7, 4, 9, 13, 7, 15, 13, 7, 15)},
	)
	// Computed by PyTorch 1.13 in float64 (torch.nn.functional.conv1d,
	// conv2d, conv3d, conv_transpose1d/2d/3d, and autograd for the
	// gradients; asymmetric pads by F.pad then an unpadded convolution).
	addForward(
		forwardCase{name: "Conv/torch_1d_group2_stride2_pad1_dil2_bias", in: []val{f64(S(2, 4, 9), 3, 1, 1, 3, 1, 2, 2, -2, -3, -1, -2, 3, 3, -3, 0, 2, -3, 2, -3, 0, 2, -1, -1, -2, 2, -2, 3, 0, 0, 0, 1, 0, 0, 3, 2, 2, 1, 1, -1, 3, 0, -2, 2, -2, 3, 1, -3, -3, 0, -3, -3, 0, 3, 0, 2, 3, 2, 1, 0, 0, -2, 0, -1, -2, 3, -3, -3, -2, 3, 1, 3, -2), f64(S(6, 2, 3), 2, -1, 0, -3, 1, 2, 1, -2, 0, -2, 3, 3, -2, 0, 3, 2, 1, 1, -3, 2, 0, -3, -2, 0, 2, 0, 1, 3, 1, -1, 1, 1, -3, -3, 1, -1), f64(S(6), 1, -1, -2, -2, -1, 2)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], in[2], ops.ConvOptions{Strides: []int{2}, Pads: []int{1, 1}, Dilations: []int{2}, Group: 2})
			},
			want: f64(S(2, 6, 4), 4, 9, -10, 4, 0, 7, -17, -4, 8, 1, -11, -9, -2, -6, -6, -4, -3, -2, -4, -3, 4, 8, 0, 0, -3, 3, 12, 11, -12, -9, 6, 16, 4, -19, -14, -1, -2, -12, -2, -17, 6, 8, -8, 11, 8, -9, 12, -4)},
		forwardCase{name: "Conv/torch_2d_group2_stride2x1_pad1x2_dil1x2_bias", in: []val{f64(S(2, 4, 7, 6), -1, -1, 1, 3, -1, 1, 0, 1, 0, 1, 0, 1, 3, -2, 0, 0, -1, -2, -3, -1, 2, -3, -1, 3, 3, -2, -3, 1, -3, -1, 0, 3, -3, 1, 0, -3, 2, 2, 0, 3, 1, 3, 3, 0, -2, -2, 0, -2, 2, 3, -2, 0, -3, -2, -1, 3, 3, 1, 1, 0, -3, -1, 3, -1, -2, -2, 1, -3, 3, 3, 0, 0, 2, 0, 0, -1, 0, 2, -3, -3, 2, -1, 2, -3, 3, -3, -1, 3, -3, 1, 2, -1, -3, 0, 0, 3, 1, -1, -3, 1, -2, 1, 3, -1, 3, 0, 0, 2, 2, 3, 3, -2, -1, 3, -1, -3, 1, 2, 2, 2, 1, -3, 2, -1, 2, 2, 3, -3, 3, 1, 0, 2, 3, 0, -3, 2, -2, -2, -2, -2, 3, -1, -3, -2, -1, -1, -1, 3, 3, 1, 3, -1, -3, -2, -3, 3, -2, 0, -2, 3, -2, 0, 3, 0, 3, 3, 2, 2, 1, 1, 2, -1, 3, 3, -1, -1, 2, 3, -3, -3, -2, 0, -2, 0, 0, 3, 2, -2, 2, 2, 1, 1, -1, 2, -3, 1, 3, 3, -1, -1, 1, -1, 2, -2, -2, -3, 0, -2, -1, 3, 2, 2, 1, -3, 2, 1, 3, 0, -2, 1, 0, 1, -1, -1, -3, 3, 2, 0, -2, 1, -1, 1, -3, -2, 2, -3, 1, -1, -3, 2, 1, 2, 3, 2, 2, -3, 3, 3, 1, 2, 2, 3, 3, 0, 2, 3, -1, -3, -2, -3, 0, -3, -2, -2, 1, -2, 3, -2, 3, 0, -2, -3, -1, 1, -3, -2, -3, 1, -3, -3, 0, -1, 0, 3, 3, 0, 1, 2, 0, 1, -2, 1, -2, -2, 2, 1, -1, -3, -2, 2, 0, 3, 3, 2, -3, -3, 1, -1, 2, -1, -2, -3, -1, 1, -3, 2, -1, -1, 1, 3, 0, 2, -1, -3, 2, 2, 2, 3, 0, -2, 1, 1, -1, 1, -2, 1), f64(S(6, 2, 3, 2), 2, -3, 0, 1, -3, 1, 3, 2, 1, 2, -1, -1, -3, 2, -1, 3, 0, 3, -3, -2, -1, -3, 0, 1, 1, -2, -2, 0, 1, 3, 3, -1, -2, -2, 3, 0, 3, 1, 1, -3, 1, -1, 2, -3, -2, 1, 1, 2, 0, -1, -1, -1, 1, 0, -1, -2, 1, -2, -2, -1, 2, 0, 1, -3, -1, 2, 2, 1, 3, -1, -2, -3), f64(S(6), -2, 2, 3, -3, 0, -3)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], in[2], ops.ConvOptions{Strides: []int{2, 1}, Pads: []int{1, 2, 1, 2}, Dilations: []int{1, 2}, Group: 2})
			},
			want: f64(S(2, 6, 4, 8), 1, -5, -2, -8, 0, -7, 1, -5, 3, 5, 16, 13, -18, 7, -5, -13, 4, -6, -18, -3, 19, -29, -10, 5, -2, -15, 14, -3, -1, 6, 0, -5, -8, 5, 7, 21, -3, 11, 3, 3, -2, -21, -2, -22, 0, 5, 11, 7, 10, 14, -13, 5, -20, 10, 14, 0, 13, 23, -15, 10, 6, 8, -1, 5, -3, 6, 9, 22, -1, 9, -4, 0, -6, -11, -5, -6, 0, 5, -13, -1, 10, 21, -33, 16, 15, -26, 2, 5, 7, 3, 13, 9, -8, 7, -3, 6, -5, 4, 2, -5, -11, -8, -8, -5, -20, -4, 29, -9, -10, 11, 0, 10, -3, -8, -14, -7, -3, 1, 8, 4, 2, 3, -11, -16, -4, 0, -3, 1, -12, 9, -6, -8, 12, -9, 7, 8, -4, 7, 6, -6, 23, -7, -5, -1, -7, 2, 9, -9, 3, -20, 1, 1, -2, 6, -1, -10, -1, -7, 2, 0, -20, 7, 4, -30, 29, 6, -2, 5, 8, 3, 13, -18, -12, -9, -24, -10, -9, -18, 18, 2, 17, -20, -5, 13, -11, 6, -10, -9, -4, 7, 5, 9, -1, 2, 8, -2, -1, -14, 9, 7, 7, -4, -15, 0, 5, 20, -6, -6, -11, -1, -11, -13, -18, 6, -20, 5, 7, 8, 7, 14, 11, 13, 10, -12, -1, -4, 6, 15, -7, 4, -3, -2, -5, -2, 15, 8, -5, -11, 9, 5, -1, 10, 1, 13, 35, -7, 8, 0, -17, -22, -6, -19, -20, 1, -11, 11, -4, -4, 9, 11, -20, 6, -10, -5, 10, 1, 23, -2, 13, 16, -12, -8, -6, 9, -3, 5, 29, 3, 3, -23, -2, -3, -4, 4, 1, 9, 9, -20, -8, 7, -7, -10, 1, 12, -5, -15, -7, -5, -34, -9, -5, -1, -12, -12, 12, -8, 4, 2, -12, -5, -11, -6, -8, -8, 1, -2, 15, 17, 2, -5, -7, -5, -6, -7, -1, -11, 3, 9, 0, 0, -10, -6, 11, 11, -3, 0, 3, -8, 9, -9, 12, 10, 1, 5, -6, -10, -4, -11, 4, -1, 0, 5, -18, -19, -6, -21, 0, 2, -2, 8, -8, -2, 0, -2, 6, -16, -11, -18, -2, -8, -7, -4, -19, 15, -15, -17, -2, -5, 13, 10, 10, 10, -9, -2)},
		forwardCase{name: "Conv/torch_2d_asymmetric_pads", in: []val{f64(S(1, 2, 5, 6), 2, -3, 1, -3, 2, 3, 2, -2, 2, -1, 2, 2, 0, 1, 2, -2, -3, 0, -2, 3, 3, -1, -1, 1, 0, -3, 1, 2, -3, 2, 0, 2, 2, 1, -1, -1, 2, -3, -2, 0, 3, 2, 2, -2, -2, -2, 2, 0, -2, 2, 1, 3, 0, -3, 3, -2, -3, 2, 0, 1), f64(S(3, 2, 3, 3), -3, 2, -1, 3, 1, 3, 2, 2, -3, 2, 1, -1, -1, 1, -2, -2, 3, 2, 1, 2, -1, 2, -2, 0, -2, -1, -1, -1, 0, -3, -1, 2, 0, 0, -3, -1, 3, 0, -3, 2, 2, -1, -3, 2, -2, 3, -1, -1, 2, -3, -3, 2, 3, 3)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], nil, ops.ConvOptions{Strides: []int{1, 2}, Pads: []int{0, 2, 1, 1}})
			},
			want: f64(S(1, 3, 4, 4), 4, -22, 13, -6, -6, 3, -12, -14, 2, -15, 19, 9, -2, 7, -4, -4, -4, -6, 7, 16, -4, -17, -16, 5, -9, 11, 3, -14, 8, -1, 6, -7, -8, 6, -18, 25, -16, 38, -8, 7, 15, -27, 14, 22, -1, -10, 9, -5)},
		forwardCase{name: "Conv/torch_2d_1x1_group3_bias", in: []val{f64(S(2, 6, 3, 4), -3, -2, -1, 1, 3, 2, -1, 3, -2, -3, 0, -3, 1, 3, -3, -3, -2, -2, 0, 1, 3, 0, 3, 2, 2, -2, 0, 3, 2, -2, 2, 2, -2, -3, -2, 0, -2, -3, -3, -1, -1, -1, 0, 2, -2, 0, 2, -3, 3, 3, -1, 3, -2, 3, 1, -2, -3, -1, 2, -2, 0, -3, -1, -3, 3, 0, 2, -3, -2, -2, 0, 3, 1, 0, 3, -2, -2, 1, 2, -2, -2, 0, 2, -2, 2, 0, 1, 1, 0, 0, 3, -1, 3, 2, -2, 3, -1, -2, -2, -3, -1, -3, 0, 3, 3, 3, -2, -2, 1, 3, 2, -2, 2, 0, 0, 0, 0, 3, 2, -3, 2, -1, -1, 1, 3, -3, 0, -2, 3, 0, 2, 3, -3, 2, 2, 2, 3, 2, 2, 1, -1, 2, 1, 1), f64(S(3, 2, 1, 1), 3, 2, -1, -1, -1, -2), f64(S(3), -3, 2, 2)},
			build: func(in []*graph.Node) *graph.Node { return ops.Conv(in[0], in[1], in[2], ops.ConvOptions{Group: 3}) },
			want:  f64(S(2, 3, 3, 4), -10, -3, -12, -6, 2, -1, -6, 8, -3, -12, 3, -8, 2, 7, 5, 0, 1, 5, 0, -2, 6, 5, 2, 5, -1, 5, 5, 5, -2, -1, -3, 10, 9, 7, 0, -2, 4, -3, 8, -7, -9, 0, 9, -11, -3, 1, -1, -3, 2, 1, 2, 7, 1, 5, 2, -1, -1, -4, 2, 7, 6, -1, -1, -3, -7, 1, -2, 2, 1, -2, -2, -3)},
		forwardCase{name: "Conv/torch_3d_stride1x2x1_pad1x0x1_dil2x1x1_bias", in: []val{f64(S(2, 2, 4, 5, 4), -2, -1, 3, 2, 1, 3, -1, 2, 3, 1, -2, -1, 0, -2, -3, -2, 3, -1, 1, 0, 2, -3, -2, 1, 2, 0, 1, 2, 1, 2, 3, -2, 0, -2, -1, -3, 1, -2, 2, 2, -1, 0, 1, -1, -2, -3, 0, 0, 2, -3, -3, 2, 2, 2, -3, 1, 3, 2, 0, 0, -1, -3, 2, 0, 0, 3, 2, 3, -3, 3, 0, -1, 0, -3, 3, 1, -3, 3, 0, -3, 1, -3, 0, 2, -3, 2, 1, -1, -2, -3, -2, -2, 3, 0, -2, 2, 0, 2, 2, 3, 1, -3, 0, -1, 2, -2, 0, 2, 1, -3, 2, -1, 1, 1, 1, -1, -1, -3, 0, -1, -1, -2, 2, 3, -1, -1, 0, -3, 2, 3, 0, -3, -1, -2, 2, 2, -1, -1, 2, -3, 2, 3, 0, 2, 1, 3, -3, 1, -1, 3, 3, -1, 1, 0, 0, 2, 1, 2, 1, -2, 1, -1, -1, -3, -2, -1, -1, 1, -1, -2, 0, 0, 3, 0, -1, -1, 0, 3, -1, -2, 1, 2, 3, -2, 3, 2, -1, -1, -2, -1, 3, -1, 0, 3, 1, -3, -3, -2, 3, -2, -1, 0, 0, -3, -2, 3, -1, -2, 2, 0, 2, -2, 0, 2, 2, 1, 0, 2, -1, 1, 0, -1, -2, 0, -1, 0, 1, 2, 2, 0, -3, -2, 2, 1, 2, 0, 0, -2, -3, -2, 1, 1, -2, -1, 1, -1, -1, -2, 1, 3, -2, -1, 0, -2, 0, 3, 1, -2, -2, -3, 3, -1, -1, 3, -1, -2, -2, -1, -3, 1, -1, 3, 2, -1, 1, 2, -2, -2, -3, -3, -1, 2, 2, -1, 0, 2, 3, -2, 1, 1, 1, 2, 2, -1, 2, -3, -1, -2, -2, 3, 0, -3, 0, -3, -3, -1, 0, -2, 1, 0, -3, 2, -3, -1, -2, 3, -2, 3, 3, -2), f64(S(3, 2, 2, 3, 2), -3, -3, -2, -1, -2, 3, 0, 2, -3, -3, 0, -2, -2, -3, -2, 2, 2, 0, -2, 0, 1, -2, -1, 2, -1, 0, 2, 1, -2, 1, 3, -2, 3, 1, 1, -1, -3, -3, 1, 3, 1, -1, 2, 3, -2, -3, 3, -3, 3, -2, -3, -2, -1, -1, -3, 2, 2, 1, 3, 3, 3, -1, 1, 2, 1, 2, 1, -1, 0, -2, 3, 3), f64(S(3), 1, 2, -1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], in[2], ops.ConvOptions{Strides: []int{1, 2, 1}, Pads: []int{1, 0, 1, 1, 0, 1}, Dilations: []int{2, 1, 1}})
			},
			want: f64(S(2, 3, 4, 2, 5), -5, -18, -1, -10, 0, -3, 7, 20, 2, 12, 12, 43, -3, -37, -19, 5, -35, 18, 38, 22, -3, -18, 19, -24, -17, 0, 6, -11, -23, 14, 13, 10, 7, -6, -6, -6, -19, 14, 22, -11, -7, 26, -20, 4, 0, 2, -4, -23, 14, -14, -12, 1, 19, 25, -1, 27, 48, 3, -16, 0, 18, 0, 17, 49, 20, 4, -15, 29, 9, -20, 0, -7, 1, -12, -16, -1, -20, -6, 22, 10, 6, 2, 14, 14, -10, -2, -15, -22, -5, 1, -2, -8, -45, -15, 6, 10, 18, 25, 17, -15, -23, 0, 34, -12, -2, -18, 22, 2, 14, -16, 6, 13, 6, -4, -3, -18, -9, 8, -2, -8, -6, -6, -1, 14, -6, -5, 2, -20, 5, 9, -2, -9, 7, 28, 16, -4, -11, -16, 8, -16, -15, -27, -1, -9, 9, 11, 0, -1, -42, -1, 15, 3, -4, -5, 28, -4, -14, -21, -21, 11, 26, 10, 14, 17, 9, 0, -4, -1, 17, -19, -10, -20, 11, 6, -2, -3, 10, -1, 31, 24, -3, -1, 18, -46, 5, 32, 27, 31, 1, -25, 4, 1, 8, -15, 8, 6, -2, 2, -13, -2, -12, 1, 12, -7, 12, -21, -23, 3, -36, -16, 11, 30, 17, -5, -15, -8, -24, -7, 3, 23, -4, 2, -37, 9, 9, 14, -23, -17, -12, 11, 6, -4, 5, 23, -5, -4, -4, -17, 2, -5)},
		forwardCase{name: "ConvTranspose/torch_2d_group2_stride2x3_pad1x0_outpad1x2_dil1x2_bias", in: []val{f64(S(2, 4, 3, 4), -1, 0, -2, -3, -1, 2, -2, 1, 1, -1, 2, 2, 3, 2, -3, -1, 0, -3, -1, -3, 0, -2, -2, -1, 3, 0, 0, 3, -3, -2, -1, 3, 2, 1, -1, 2, -2, -1, -1, -3, -3, 2, 3, -2, -3, -3, -3, 2, -3, 1, 2, -2, -2, -2, 2, 3, 2, -2, 2, 1, -1, -3, -1, 2, 0, -3, 3, 0, -1, -3, 1, 0, -2, 2, 0, -3, -2, -2, 2, 2, 2, 1, 3, -1, 1, 1, -1, 0, 1, 3, 3, -1, 2, 2, 3, 1), f64(S(4, 3, 3, 2), -2, 2, -2, -1, 0, 2, -2, 1, -2, -1, -3, -3, -1, 3, 0, 1, -2, -2, 3, 2, 0, -2, 3, 0, -3, 3, -1, 0, -1, -1, 1, -1, 0, -3, 2, -2, 1, -2, -2, -2, 1, -3, 2, 0, 0, -2, -1, 2, 3, 3, 1, -2, -3, 1, 0, 0, 0, -3, -1, -3, 2, 3, 2, 0, 2, 2, -1, -3, 2, 1, 0, 3), f64(S(6), 3, 3, -3, -3, 0, 0)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvTranspose(in[0], in[1], in[2], ops.ConvTransposeOptions{Strides: []int{2, 3}, Pads: []int{1, 0, 1, 0}, OutputPadding: []int{1, 2}, Dilations: []int{1, 2}, Group: 2})
			},
			want: f64(S(2, 6, 6, 14), 5, 3, -2, 3, 3, -1, 7, 3, 11, 9, 3, 8, 3, 3, 14, 3, -1, -4, 3, 1, -5, 3, -7, -11, 3, -7, 3, 3, 5, 3, 4, -1, 3, 7, 7, 3, 7, 1, 3, 8, 3, 3, 1, 3, 3, -10, 3, 1, -10, 3, -1, -13, 3, 7, 3, 3, 1, 3, 2, 5, 3, 8, -1, 3, 5, -1, 3, 3, 3, 3, 3, 3, 5, -3, 3, 1, -3, 3, 7, 0, 3, 7, 3, 3, 2, 3, 4, 1, 3, 3, 10, 3, 5, 10, 3, 6, 3, 3, 5, 3, 2, 6, 3, -6, 19, 3, 7, 20, 3, 5, 3, 3, 5, 3, 4, 2, 3, 1, 8, 3, 5, 4, 3, 2, 3, 3, 4, 3, 7, 8, 3, -7, 12, 3, 6, 2, 3, 2, 3, 3, 1, 3, 2, 7, 3, 4, 1, 3, 1, 0, 3, 1, 3, 3, 0, 3, 0, 8, 3, 8, -1, 3, -1, -2, 3, -2, 3, 3, -3, -3, -13, -3, -3, -9, -3, -3, 4, -3, -3, -3, -3, -3, 6, -3, -10, -4, -3, 2, -4, -3, 2, -3, -3, 11, -3, -3, -3, -3, -4, -3, -3, 8, -3, -3, -2, -3, -3, 7, -3, -3, -2, -3, 2, -14, -3, -2, -5, -3, 11, -14, -3, 8, -3, -3, -3, -3, -2, -3, -3, 2, -3, -3, 5, -3, -3, 2, -3, -3, -5, -3, -5, -5, -3, 3, -11, -3, -3, -9, -3, -5, -3, -3, -9, -3, -3, -3, -3, 0, -3, -3, 0, -9, -3, 0, -3, -3, -1, -3, 0, -4, -3, 4, -3, -3, 2, 6, -3, -9, -3, -3, 3, -3, 12, 1, -3, -5, -1, -3, -10, -9, -3, -3, -3, -3, -1, -3, 11, -6, -3, -5, -8, -3, -7, 4, -3, -10, -3, -3, -7, -3, 2, -5, -3, 4, -1, -3, 8, -7, -3, -13, -3, -3, 2, -3, 0, 1, -3, 3, -1, -3, 9, -3, -3, -15, -3, -3, -4, 0, -6, -2, 0, 0, -2, 0, 0, -6, 0, -6, 0, 0, -19, 0, -7, -2, 0, 4, 2, 0, 7, -7, 0, -6, 0, 0, -6, 0, 6, 4, 0, 4, 6, 0, 2, -4, 0, -6, 0, 0, -5, 0, -21, 2, 0, -9, -1, 0, -5, 1, 0, 8, 0, 0, -6, 0, -4, -6, 0, -2, -6, 0, 2, 4, 0, -4, 0, 0, -8, 0, -2, -7, 0, -4, -5, 0, -8, 2, 0, 8, 0, 0, -1, 0, -8, -2, 0, -1, -2, 0, -1, -3, 0, -9, 0, 0, -15, 0, -3, -8, 0, -15, -6, 0, -15, 2, 0, 9, 0, 0, -9, 0, 3, 2, 0, 6, 5, 0, 5, -1, 0, -8, 0, 0, 18, 0, 3, 12, 0, 16, 3, 0, 14, -5, 0, -3, 0, 0, -4, 0, -7, -5, 0, -5, -7, 0, -1, 6, 0, -2, 0, 0, -6, 0, -7, -3, 0, -8, 3, 0, -10, -6, 0, 8, 0, 0, 9, 3, 8, 1, 3, 8, -1, 3, 3, 7, 3, 1, 3, 3, 4, 3, -7, -11, 3, -5, 5, 3, 17, 3, 3, 5, 3, 3, 7, 3, 5, 7, 3, 11, -1, 3, -5, -3, 3, 0, 3, 3, -4, 3, 1, -11, 3, -11, 11, 3, 13, 1, 3, 11, 3, 3, -1, 3, 3, 7, 3, 11, -1, 3, -1, 1, 3, 2, 3, 3, 0, 3, 7, -6, 3, -1, 6, 3, 7, 3, 3, 5, 3, 3, 10, 3, 6, 4, 3, 2, 0, 3, 1, 5, 3, 5, 3, 3, 17, 3, 11, 16, 3, -8, -15, 3, 9, 1, 3, 10, 3, 3, 7, 3, 5, 10, 3, 5, -4, 3, 1, -3, 3, 0, 3, 3, 8, 3, 8, 25, 3, 1, -13, 3, -1, -8, 3, -5, 3, 3, 0, 3, 1, 10, 3, 5, -2, 3, 1, 1, 3, 2, 3, 3, -2, 3, -2, 12, 3, 12, -4, 3, -4, 0, 3, 0, 3, 3, -3, -3, -3, -3, -3, 7, -3, -3, 2, -3, -3, -11, -3, -3, 3, -3, -1, -12, -3, -2, -8, -3, -2, 2, -3, 6, -3, -3, -3, -3, -5, -3, -3, 4, -3, -3, -10, -3, -3, 0, -3, -3, -2, -3, 8, -6, -3, 4, -2, -3, -8, -10, -3, -6, -3, -3, -3, -3, 2, -3, -3, 4, -3, -3, -4, -3, -3, -2, -3, -3, -9, -3, -5, -5, -3, 7, -5, -3, -9, -5, -3, -5, -3, -3, 1, -3, -2, -7, -3, -10, -3, -3, 0, 3, -3, 3, -3, -3, -8, -3, 4, -4, -3, -8, 0, -3, -4, -4, -3, 2, -3, -3, 1, -3, -2, 1, -3, -8, -7, -3, -16, -7, -3, -4, -3, -3, -4, -3, -4, -7, -3, -8, -1, -3, -24, -1, -3, -4, -3, -3, -7, -3, -13, -5, -3, -11, -9, -3, -18, -1, -3, -4, -3, -3, -3, -3, -15, -4, -3, -12, -3, -3, -21, -5, -3, -3, -3, -3, 2, 0, 4, 2, 0, -4, -2, 0, 0, 0, 0, 6, 0, 0, 2, 0, 1, 2, 0, 15, 8, 0, 7, 5, 0, -9, 0, 0, 2, 0, 4, 6, 0, 4, 6, 0, -4, -2, 0, -4, 0, 0, 12, 0, 4, 14, 0, 8, 16, 0, 19, -4, 0, 5, 0, 0, 4, 0, -4, 4, 0, -2, 6, 0, -6, 2, 0, 2, 0, 0, 2, 0, 8, 3, 0, 6, 3, 0, 12, 3, 0, 0, 0, 0, 0, 0, 5, 4, 0, -3, -2, 0, -1, -3, 0, 6, 0, 0, -1, 0, -8, -15, 0, -10, 3, 0, -6, 16, 0, 6, 0, 0, 0, 0, 5, 4, 0, 7, 8, 0, -1, 0, 0, -5, 0, 0, 10, 0, 1, 7, 0, 4, 0, 0, 11, -10, 0, -7, 0, 0, 6, 0, -2, 5, 0, 0, 9, 0, -3, 1, 0, 3, 0, 0, -6, 0, 8, -3, 0, 7, -9, 0, 12, 3, 0, 2, 0, 0)},
		forwardCase{name: "ConvTranspose/torch_1d_stride2_pad1_outpad1", in: []val{f64(S(2, 3, 5), -2, -1, 0, 2, 2, -3, -1, -2, -1, 2, 0, 0, 3, 0, 2, 3, 3, -1, -1, -3, 2, -1, -3, -2, -2, -3, -3, 0, -2, 3), f64(S(3, 2, 3), 1, 1, 0, 1, 2, -1, 1, 0, 1, 2, 2, 1, -3, 2, 3, 0, 0, -2)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvTranspose(in[0], in[1], nil, ops.ConvTransposeOptions{Strides: []int{2}, Pads: []int{1, 1}, OutputPadding: []int{1}})
			},
			want: f64(S(2, 2, 10), -2, -5, -1, -12, 6, 8, 2, -3, 6, 8, -10, -4, -4, -4, -4, -8, 2, 3, 8, -4, -3, 4, -3, -14, -1, 0, -5, -22, 3, 7, 10, 6, 4, -5, -8, -7, -6, -4, -10, -5)},
		forwardCase{name: "ConvTranspose/torch_3d_stride2x1x2_pad0x1x1_bias", in: []val{f64(S(1, 2, 2, 3, 2), 0, 1, 2, 0, -2, -2, 0, 1, 3, 2, 1, -3, 2, 0, 2, 2, -1, -1, -1, -2, 2, -1, 1, 0), f64(S(2, 2, 2, 2, 3), -1, 1, -2, 0, -2, -3, 2, 2, 1, 3, 1, -3, -1, -2, 2, -2, 1, 2, -2, 3, 1, -3, 0, -1, 1, -2, 0, 0, 0, 3, 3, -3, 2, -2, -2, 0, 3, 0, 1, 2, 0, 0, 1, -3, 3, -1, 1, 3), f64(S(2), 2, 2)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvTranspose(in[0], in[1], in[2], ops.ConvTransposeOptions{Strides: []int{2, 1, 2}, Pads: []int{0, 1, 1, 0, 1, 1}})
			},
			want: f64(S(1, 2, 4, 2, 3), 0, 6, -4, -2, 7, 2, -4, 17, -3, -1, -19, -3, 1, -10, 4, -5, 0, -5, 4, 17, 14, 0, -2, 0, -2, 12, 3, 8, 4, 6, 4, 15, -4, 1, 2, 1, -4, -1, -1, 3, 8, 10, 4, 2, 9, 4, 10, -8)},
		forwardCase{name: "ConvGradInput/torch_2d_group2_stride2_pad1x0_dil1x2", in: []val{f64(S(2, 4, 3, 2), -3, -3, 1, 1, -2, -3, -2, -2, 2, 3, -1, -1, 0, -1, -2, -3, 1, 2, 0, 1, -3, 0, 1, 1, -3, -3, 3, -2, -2, 1, 2, 3, 2, 2, 3, 1, 1, 0, -2, -3, -3, 3, -1, -3, -3, -3, -1, 1), f64(S(4, 2, 3, 2), -1, -1, 1, -1, 3, -3, -1, -3, 2, 0, -2, -3, 2, -2, 2, -1, 0, -3, 0, -3, -2, 3, 3, 0, 3, -2, 1, 1, 3, -3, 1, -2, -1, 3, 1, 3, -2, 1, 3, -3, 3, -1, -1, -3, 2, -2, 3, -3)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvGradInput(in[0], in[1], graph.Shape{2, 4, 6, 5}, ops.ConvOptions{Strides: []int{2, 2}, Pads: []int{1, 0, 1, 0}, Dilations: []int{1, 2}, Group: 2})
			},
			want: f64(S(2, 4, 6, 5), -7, 0, -2, 0, 5, -6, 0, 6, 0, 8, 5, 0, 4, 0, -4, 3, 0, -1, 0, -7, -4, 0, -2, 0, 4, -6, 0, 0, 0, 12, -2, 0, -8, 0, -6, -1, 0, -1, 0, -3, -2, 0, 2, 0, 9, 6, 0, 16, 0, 9, -2, 0, -7, 0, -3, 1, 0, 9, 0, 9, 0, 0, 2, 0, -4, 0, 0, -8, 0, 8, -11, 0, 4, 0, -3, -14, 0, 3, 0, 6, 4, 0, 3, 0, -1, 6, 0, 5, 0, -7, 0, 0, 3, 0, -5, 1, 0, 12, 0, 0, -4, 0, 3, 0, -9, -11, 0, -4, 0, -16, 1, 0, 1, 0, 4, 4, 0, 5, 0, 3, 1, 0, 4, 0, 0, -8, 0, -7, 0, -2, 7, 0, -3, 0, 0, 17, 0, -24, 0, -3, 4, 0, 2, 0, -2, -6, 0, 0, 0, -6, -10, 0, -6, 0, 9, 9, 0, 11, 0, 9, 2, 0, -2, 0, 6, 2, 0, -3, 0, 0, -10, 0, 9, 0, 3, 13, 0, 7, 0, -3, -2, 0, -5, 0, 9, 0, 0, -13, 0, 6, -11, 0, -5, 0, 6, -22, 0, 3, 0, 7, -6, 0, 6, 0, 0, -12, 0, 22, 0, -10, -3, 0, -1, 0, 6, -1, 0, 10, 0, 24, -4, 0, -3, 0, -3, -13, 0, 2, 0, -9, 1, 0, -8, 0, 7, -6, 0, 0, 0, 6)},
		forwardCase{name: "ConvGradWeight/torch_2d_group2_stride2_pad1x0_dil1x2", in: []val{f64(S(2, 4, 6, 5), 2, -3, 0, 2, -2, -1, 3, 2, -2, -3, 0, 3, 0, -2, 0, 0, 1, 1, -2, 0, 0, -2, 0, -3, -2, -2, 3, -3, 3, -2, 3, -3, 1, 0, -2, -1, -1, 1, 2, -2, -1, -3, -2, -1, 2, 2, 2, -2, -2, -1, -1, 2, 3, -1, -2, 3, 0, 3, -1, -1, -3, 2, 0, -2, 0, -3, 3, 0, -1, 1, 2, 3, 1, -2, -1, 1, 2, 0, 2, -3, -1, 3, -2, 1, -2, -3, -2, 3, 3, -3, 1, -3, 2, -1, -3, 3, 3, -3, -1, 3, -1, 1, 3, -3, 0, 0, 3, 0, 2, 0, 0, 2, 2, 1, 1, 3, 1, -2, 3, 2, -1, -1, 1, 2, 1, 3, -3, 3, 0, -2, -2, 0, -1, 3, 0, 3, 1, -1, -1, 3, 1, -1, 2, -1, -2, 2, -3, 0, -1, 0, -2, -1, -3, 0, 2, -3, -2, -3, 2, 2, -3, 0, 0, 1, -1, 2, 0, -2, 0, -2, 0, -2, 0, -1, 0, 2, 1, -1, 0, -1, -1, 1, 2, -2, -2, -3, 3, 1, -2, 2, -1, -1, 0, 1, 1, -3, 2, -1, 3, 1, 3, -2, 1, -1, 3, 1, 2, 1, 2, -2, -2, 1, -2, -3, 0, 3, -1, -2, 2, -2, 2, -2, -2, 3, 1, -1, 0, 1, -3, 3, 0, 3, 2, -3, 2, 0, 3, 1, -2, 1), f64(S(2, 4, 3, 2), -3, -3, 1, 1, -2, -3, -2, -2, 2, 3, -1, -1, 0, -1, -2, -3, 1, 2, 0, 1, -3, 0, 1, 1, -3, -3, 3, -2, -2, 1, 2, 3, 2, 2, 3, 1, 1, 0, -2, -3, -3, 3, -1, -3, -3, -3, -1, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvGradWeight(in[0], in[1], graph.Shape{4, 2, 3, 2}, ops.ConvOptions{Strides: []int{2, 2}, Pads: []int{1, 0, 1, 0}, Dilations: []int{1, 2}, Group: 2})
			},
			want: f64(S(4, 2, 3, 2), -6, 15, -10, -3, 0, 4, -7, -5, -16, 8, 8, -1, 23, -4, -4, 13, 31, 13, -7, -11, -37, 1, -18, -19, 16, -11, -17, 0, 7, -4, 9, 13, 1, 0, 7, -14, 18, -10, -13, -4, 9, -9, -10, 23, 17, -4, 2, -1)},
		forwardCase{name: "ConvGradInput/torch_1d_stride2_pad1", in: []val{f64(S(3, 3, 4), -2, -3, 1, -2, -1, -1, 1, 2, 3, 1, 3, 2, 3, 1, -3, -2, -1, 2, -1, -3, 0, 1, 3, -2, -1, 0, 0, 3, -1, 0, -2, -3, -1, 0, -2, 1), f64(S(3, 2, 3), -2, -3, -1, 3, 1, 1, 2, -3, 1, 0, -3, 0, 1, 0, 3, 3, -1, 3)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvGradInput(in[0], in[1], graph.Shape{3, 2, 8}, ops.ConvOptions{Strides: []int{2}, Pads: []int{1, 1}})
			},
			want: f64(S(3, 2, 8), 9, 15, 12, 8, -6, 19, 0, 10, -2, 1, -1, 12, -5, 10, -10, 4, -6, -1, -9, 11, 12, 7, 15, -7, 6, 9, -6, 4, -3, -6, 9, -8, 6, -3, 0, -6, 6, -19, 0, -3, 3, -4, 0, -6, 8, 6, 11, 6)},
		forwardCase{name: "ConvGradWeight/torch_1d_stride2_pad1", in: []val{f64(S(3, 2, 8), 2, 2, 3, 2, -2, 0, 1, -2, 1, -3, -2, 2, -1, 3, 2, -2, 3, 3, 3, -1, 3, -1, -1, 0, -1, -3, 2, 0, 2, -2, -2, 1, 1, 0, 1, 3, 3, 3, 3, -1, 2, -2, 3, 3, 0, 0, -3, -3), f64(S(3, 3, 4), -2, -3, 1, -2, -1, -1, 1, 2, 3, 1, 3, 2, 3, 1, -3, -2, -1, 2, -1, -3, 0, 1, 3, -2, -1, 0, 0, 3, -1, 0, -2, -3, -1, 0, -2, 1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ConvGradWeight(in[0], in[1], graph.Shape{3, 2, 3}, ops.ConvOptions{Strides: []int{2}, Pads: []int{1, 1}})
			},
			want: f64(S(3, 2, 3), 13, -4, 2, 6, -15, -5, -5, -18, -15, 5, 20, 13, 7, 15, -7, 4, 9, -11)},
	)
	addForward(
		// Pads are taken as given, even when larger than the kernel: the
		// positions they add see only zeros.
		forwardCase{name: "Conv/pads_larger_than_kernel", in: []val{f64(S(1, 1, 2), 1, 2), f64(S(1, 1, 1), 3)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], nil, ops.ConvOptions{Pads: []int{2, 1}})
			},
			want: f64(S(1, 1, 5), 0, 0, 3, 6, 0)},
		// SAME with an odd total padding (1): SAME_UPPER puts it at the
		// end, SAME_LOWER at the beginning.
		forwardCase{name: "Conv/same_upper_odd", in: []val{f64(S(1, 1, 4), 1, 2, 3, 4), f64(S(1, 1, 2), 1, 10)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], nil, ops.ConvOptions{AutoPad: ops.AutoPadSameUpper})
			},
			want: f64(S(1, 1, 4), 21, 32, 43, 4)},
		forwardCase{name: "Conv/same_lower_odd", in: []val{f64(S(1, 1, 4), 1, 2, 3, 4), f64(S(1, 1, 2), 1, 10)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], nil, ops.ConvOptions{AutoPad: ops.AutoPadSameLower})
			},
			want: f64(S(1, 1, 4), 10, 21, 32, 43)},
		// VALID: no padding, ⌊(5 − 3)/2⌋ + 1 = 2 positions.
		forwardCase{name: "Conv/valid", in: []val{f64(S(1, 1, 5), 1, 2, 3, 4, 5), f64(S(1, 1, 3), 1, 0, -1)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Conv(in[0], in[1], nil, ops.ConvOptions{Strides: []int{2}, AutoPad: ops.AutoPadValid})
			},
			want: f64(S(1, 1, 2), -2, -2)},
	)

	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		x := param(g, "conv_x", dt, anyReal, 2, 4, 7, 6)
		w := param(g, "conv_w", dt, anyReal, 6, 2, 3, 2)
		b := param(g, "conv_b", dt, anyReal, 6)
		o := ops.ConvOptions{Strides: []int{2, 1}, Pads: []int{1, 0, 1, 1}, Dilations: []int{1, 2}, Group: 2}
		// Large enough to split the batch over the cores, a 1×1 kernel, and 3-D.
		xl := param(g, "conv_xl", dt, anyReal, 8, 8, 16, 16)
		wl := param(g, "conv_wl", dt, anyReal, 16, 8, 3, 3)
		w1 := param(g, "conv_w1", dt, anyReal, 4, 8, 1, 1)
		x3 := param(g, "conv_x3", dt, anyReal, 2, 2, 3, 4, 3)
		w3 := param(g, "conv_w3", dt, anyReal, 2, 2, 2, 2, 2)
		xt := param(g, "convt_x", dt, anyReal, 2, 4, 3, 3)
		wt := param(g, "convt_w", dt, anyReal, 4, 3, 3, 2)
		bt := param(g, "convt_b", dt, anyReal, 3)
		return []*graph.Node{
			ops.Conv(x, w, b, o),
			ops.Conv(xl, wl, nil, ops.ConvOptions{Pads: []int{1, 1, 1, 1}}),
			ops.Conv(xl, w1, nil, ops.ConvOptions{}),
			ops.Conv(x3, w3, nil, ops.ConvOptions{Pads: []int{1, 0, 1, 0, 1, 0}}),
			ops.ConvTranspose(xt, wt, bt, ops.ConvTransposeOptions{Strides: []int{2, 2}, OutputPadding: []int{1, 0}}),
		}
	})
}

// directConv is the textbook convolution, one output element at a time:
// an implementation independent of im2col and GEMM to check them against.
// pads holds the beginnings of the axes (the ends only bound the output,
// which is given by ys).
func directConv(x, w []float64, xs, ws, ys graph.Shape, stride, padB, dil []int, group int) []float64 {
	d := len(xs) - 2
	c, m := xs[1], ws[0]
	cg, mg := c/group, m/group
	y := make([]float64, ys.Size())
	xst, wst, yst := xs.Strides(), ws.Strides(), ys.Strides()
	for i := range y {
		n, oc := i/yst[0], i/yst[1]%m
		grp := oc / mg
		var s float64
		for ci := 0; ci < cg; ci++ {
			for t := 0; t < graph.Shape(ws[2:]).Size(); t++ {
				xi := n*xst[0] + (grp*cg+ci)*xst[1]
				wi := oc*wst[0] + ci*wst[1]
				inside := true
				for a := 0; a < d; a++ {
					ta := t / (wst[2+a] / wst[len(ws)-1]) % ws[2+a]
					oa := i / yst[2+a] % ys[2+a]
					p := oa*stride[a] - padB[a] + ta*dil[a]
					if p < 0 || p >= xs[2+a] {
						inside = false
					}
					xi += p * xst[2+a]
					wi += ta * wst[2+a]
				}
				if inside {
					s += x[xi] * w[wi]
				}
			}
		}
		y[i] = s
	}
	return y
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestConvMatchesDirectSumAndAdjoints draws random geometries (1 to 3
// spatial axes, strides, pads, dilations, groups, auto_pad, batches large
// enough to split over the cores) and checks Conv against the textbook sum,
// and its gradient ops against the adjoint identities ⟨Conv(x, w), g⟩ =
// ⟨x, ConvGradInput(g, w)⟩ = ⟨w, ConvGradWeight(x, g)⟩, and
// ConvTranspose(g, w) against ConvGradInput(g, w).
func TestConvMatchesDirectSumAndAdjoints(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	runs := 300
	if testing.Short() {
		runs = 60
	}
	for run := 0; run < runs; run++ {
		d := 1 + r.IntN(3)
		group, cg, mg := 1+r.IntN(3), 1+r.IntN(2), 1+r.IntN(3)
		n := 1 + r.IntN(3)
		if run%10 == 0 {
			n, cg, mg = 9, 4, 8 // the split over goroutines
		}
		xs := graph.Shape{n, group * cg}
		ws := graph.Shape{group * mg, cg}
		ys := graph.Shape{n, group * mg}
		o := ops.ConvOptions{Group: group, AutoPad: ops.AutoPad(r.IntN(4))}
		var stride, dil, padB, padE []int
		for a := 0; a < d; a++ {
			k, dl, s := 1+r.IntN(3), 1+r.IntN(2), 1+r.IntN(3)
			span := (k-1)*dl + 1
			pb, pe := r.IntN(3), r.IntN(3)
			in := max(1, span-pb-pe+r.IntN(5))
			switch o.AutoPad {
			case ops.AutoPadValid:
				pb, pe = 0, 0
				in = span + r.IntN(5)
			case ops.AutoPadSameUpper, ops.AutoPadSameLower:
				out := (in + s - 1) / s
				total := max(0, (out-1)*s+span-in)
				pb, pe = total/2, total-total/2
				if o.AutoPad == ops.AutoPadSameLower {
					pb, pe = pe, pb
				}
			}
			xs, ws = append(xs, in), append(ws, k)
			ys = append(ys, (in+pb+pe-span)/s+1)
			stride, dil, padB, padE = append(stride, s), append(dil, dl), append(padB, pb), append(padE, pe)
		}
		o.Strides, o.Dilations = stride, dil
		if o.AutoPad == ops.AutoPadNotSet {
			o.Pads = append(append([]int{}, padB...), padE...)
		}
		name := fmt.Sprintf("run%d x%s w%s %+v", run, xs, ws, o)

		g := graph.New()
		xv, wv, gv := randVals(r, xs.Size(), anyReal), randVals(r, ws.Size(), anyReal), randVals(r, ys.Size(), anyReal)
		x, w, gy := g.Input("x", graph.Float64, xs...), g.Input("w", graph.Float64, ws...), g.Input("g", graph.Float64, ys...)
		require.NoError(t, x.SetFloat64s(xv))
		require.NoError(t, w.SetFloat64s(wv))
		require.NoError(t, gy.SetFloat64s(gv))
		y := ops.Conv(x, w, nil, o)
		gx := ops.ConvGradInput(gy, w, xs, o)
		gw := ops.ConvGradWeight(x, gy, ws, o)
		outs := []*graph.Node{y, gx, gw}
		// ConvTranspose(g, w) is ConvGradInput(g, w) when its output has
		// x's shape: when the end padding leaves no position of x unread.
		var tr *graph.Node
		if natural(ys, ws, stride, dil, padB, padE, group).Equal(xs) {
			tr = ops.ConvTranspose(gy, w, nil, ops.ConvTransposeOptions{Strides: o.Strides, Dilations: o.Dilations, Group: group,
				Pads: append(append([]int{}, padB...), padE...)})
			outs = append(outs, tr)
		}
		require.NoError(t, g.Err(), name)
		require.Truef(t, y.Shape().Equal(ys), "%s: shape %s, want %s", name, y.Shape(), ys)
		p, err := g.Compile(outs...)
		require.NoError(t, err)
		p.Run()

		want := directConv(xv, wv, xs, ws, ys, stride, padB, dil, group)
		for i, v := range y.Float64s() {
			require.InDeltaf(t, want[i], v, 1e-12*max(1, abs(want[i])), "%s: element %d", name, i)
		}
		yg := dot(want, gv)
		tol := 1e-12 * max(1, abs(yg))
		assert.InDeltaf(t, yg, dot(xv, gx.Float64s()), tol, "%s: ⟨x, ConvGradInput(g, w)⟩", name)
		assert.InDeltaf(t, yg, dot(wv, gw.Float64s()), tol, "%s: ⟨w, ConvGradWeight(x, g)⟩", name)
		if tr != nil {
			assert.Equalf(t, gx.Float64s(), tr.Float64s(), "%s: ConvTranspose", name)
		}
	}
}

// natural returns the shape of ConvTranspose's output for an input of
// shape ys: stride·(in − 1) + span − pads along each spatial axis.
func natural(ys, ws graph.Shape, stride, dil, padB, padE []int, group int) graph.Shape {
	s := graph.Shape{ys[0], ws[1] * group}
	for a := range stride {
		s = append(s, stride[a]*(ys[2+a]-1)+(ws[2+a]-1)*dil[a]+1-padB[a]-padE[a])
	}
	return s
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestConvGradientIsNotMistakenForAnother: the cost Σ Conv(x, w)·R has
// the gradient ConvGradInput(R, w) in x and ConvGradWeight(x, R) in w,
// and autodiff builds exactly those nodes.
func TestConvGradientsAreTheGradOps(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 2, 3, 5, 5)
	w := g.Param("w", randTensor(rand.New(rand.NewPCG(1, 1)), graph.Shape{4, 3, 3, 3}, anyReal))
	y := ops.Conv(x, w, nil, ops.ConvOptions{Strides: []int{2, 2}})
	grads, err := autodiff.Grad(ops.Sum(y), x, w)
	require.NoError(t, err)
	assert.Equal(t, "ConvGradInput", grads[0].Op().Type())
	assert.Equal(t, "ConvGradWeight", grads[1].Op().Type())
}

// TestConvRejectsBadArguments: every mistake is a build error naming the
// node and the shapes, never a panic.
func TestConvRejectsBadArguments(t *testing.T) {
	x4 := graph.Shape{2, 4, 5, 5}
	for _, tt := range []struct {
		xs, ws graph.Shape
		build  func(x, w *graph.Node) *graph.Node
		want   string
	}{
		{graph.Shape{2, 4}, graph.Shape{3, 4}, func(x, w *graph.Node) *graph.Node { return ops.Conv(x, w, nil, ops.ConvOptions{}) },
			"Conv(x, w): shapes 2x4 and 3x4 do not convolve: x has no spatial axes (want N × C × D₁ × …)"},
		{x4, graph.Shape{3, 4, 3}, func(x, w *graph.Node) *graph.Node { return ops.Conv(x, w, nil, ops.ConvOptions{}) },
			"Conv(x, w): shapes 2x4x5x5 and 3x4x3 do not convolve: x has rank 4, w rank 3"},
		{x4, graph.Shape{3, 2, 3, 3}, func(x, w *graph.Node) *graph.Node { return ops.Conv(x, w, nil, ops.ConvOptions{Group: 2}) },
			"Conv(x, w): shapes 2x4x5x5 and 3x2x3x3 do not convolve: w's 3 kernels do not divide into 2 groups"},
		{x4, graph.Shape{4, 3, 3, 3}, func(x, w *graph.Node) *graph.Node { return ops.Conv(x, w, nil, ops.ConvOptions{}) },
			"Conv(x, w): shapes 2x4x5x5 and 4x3x3x3 do not convolve: x has 4 channels, w takes 3 (3 a group × 1 groups)"},
		{x4, graph.Shape{4, 4, 3, 3}, func(x, w *graph.Node) *graph.Node { return ops.Conv(x, w, nil, ops.ConvOptions{Group: -1}) },
			"Conv(x, w): shapes 2x4x5x5 and 4x4x3x3 do not convolve: group -1 is negative"},
		{x4, graph.Shape{4, 4, 3, 0}, func(x, w *graph.Node) *graph.Node { return ops.Conv(x, w, nil, ops.ConvOptions{}) },
			"Conv(x, w): shapes 2x4x5x5 and 4x4x3x0 do not convolve: w's kernel is empty"},
		{x4, graph.Shape{4, 4, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.Conv(x, w, nil, ops.ConvOptions{Strides: []int{1}})
		}, "Conv(x, w): shapes 2x4x5x5 and 4x4x3x3 do not convolve: the convolution has 1 strides, want 2 (one per spatial axis)"},
		{x4, graph.Shape{4, 4, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.Conv(x, w, nil, ops.ConvOptions{Strides: []int{1, 0}})
		}, "Conv(x, w): shapes 2x4x5x5 and 4x4x3x3 do not convolve: the convolution has strides [1 0], want each ≥ 1"},
		{x4, graph.Shape{4, 4, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.Conv(x, w, nil, ops.ConvOptions{Dilations: []int{0, 1}})
		}, "Conv(x, w): shapes 2x4x5x5 and 4x4x3x3 do not convolve: the convolution has dilations [0 1], want each ≥ 1"},
		{x4, graph.Shape{4, 4, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.Conv(x, w, nil, ops.ConvOptions{Pads: []int{1, 1, 1}})
		}, "Conv(x, w): shapes 2x4x5x5 and 4x4x3x3 do not convolve: the convolution has 3 pads, want 4 (begin and end of 2 spatial axes)"},
		{x4, graph.Shape{4, 4, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.Conv(x, w, nil, ops.ConvOptions{Pads: []int{1, -1, 1, 1}})
		}, "Conv(x, w): shapes 2x4x5x5 and 4x4x3x3 do not convolve: the convolution has negative pads [1 -1 1 1]"},
		{x4, graph.Shape{4, 4, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.Conv(x, w, nil, ops.ConvOptions{Pads: []int{1, 1, 1, 1}, AutoPad: ops.AutoPadSameUpper})
		}, "Conv(x, w): shapes 2x4x5x5 and 4x4x3x3 do not convolve: the convolution has both pads [1 1 1 1] and auto_pad SAME_UPPER"},
		{x4, graph.Shape{4, 4, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.Conv(x, w, nil, ops.ConvOptions{AutoPad: 9})
		}, "Conv(x, w): shapes 2x4x5x5 and 4x4x3x3 do not convolve: the convolution has an unknown auto_pad AutoPad(9)"},
		{x4, graph.Shape{4, 4, 3, 6}, func(x, w *graph.Node) *graph.Node { return ops.Conv(x, w, nil, ops.ConvOptions{}) },
			"Conv(x, w): shapes 2x4x5x5 and 4x4x3x6 do not convolve: axis 1: the window spans 6 positions, more than the 5 of the padded input"},
		{x4, graph.Shape{4, 4, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.Conv(x, w, x.Graph().Input("b", graph.Float64, 3), ops.ConvOptions{})
		}, "Conv(x, w, b): shapes 2x4x5x5, 4x4x3x3 and 3 do not convolve: the bias has shape 3, want 4"},
		{x4, graph.Shape{4, 4, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.ConvGradInput(x, w, graph.Shape{2, 4, 9, 9}, ops.ConvOptions{})
		}, "ConvGradInput(x, w): shapes 2x4x5x5 and 4x4x3x3 do not fit x shape 2x4x9x9: the convolution's output would be 2x4x7x7"},
		{x4, graph.Shape{4, 4, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.ConvGradInput(x, w, graph.Shape{2, 4}, ops.ConvOptions{})
		}, "ConvGradInput(x, w): shapes 2x4x5x5 and 4x4x3x3 do not fit x: it has no spatial axes (want N × C × D₁ × …)"},
		{x4, graph.Shape{2, 4, 4, 4}, func(x, w *graph.Node) *graph.Node {
			return ops.ConvGradWeight(x, w, graph.Shape{4, 4, 3, 3}, ops.ConvOptions{})
		}, "ConvGradWeight(x, w): shapes 2x4x5x5 and 2x4x4x4 do not fit w shape 4x4x3x3: the convolution's output would be 2x4x3x3"},
		{x4, graph.Shape{3, 2, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.ConvTranspose(x, w, nil, ops.ConvTransposeOptions{})
		}, "ConvTranspose(x, w): shapes 2x4x5x5 and 3x2x3x3 do not convolve: x has 4 channels, w takes 3"},
		{x4, graph.Shape{4, 2, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.ConvTranspose(x, w, nil, ops.ConvTransposeOptions{Group: 3})
		}, "ConvTranspose(x, w): shapes 2x4x5x5 and 4x2x3x3 do not convolve: x's 4 channels do not divide into 3 groups"},
		{x4, graph.Shape{4, 2, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.ConvTranspose(x, w, nil, ops.ConvTransposeOptions{OutputPadding: []int{1, -1}})
		}, "ConvTranspose(x, w): shapes 2x4x5x5 and 4x2x3x3 do not convolve: the transposed convolution has output_padding [1 -1], want each ≥ 0"},
		{x4, graph.Shape{4, 2, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.ConvTranspose(x, w, nil, ops.ConvTransposeOptions{OutputShape: []int{4}})
		}, "ConvTranspose(x, w): shapes 2x4x5x5 and 4x2x3x3 do not convolve: the transposed convolution has 1 output_shape, want 2 (one per spatial axis)"},
		{x4, graph.Shape{4, 2, 3, 3}, func(x, w *graph.Node) *graph.Node {
			return ops.ConvTranspose(x, w, nil, ops.ConvTransposeOptions{Pads: []int{4, 0, 4, 0}})
		}, "ConvTranspose(x, w): shapes 2x4x5x5 and 4x2x3x3 do not convolve: the transposed convolution's output would have -1 positions along spatial axis 0"},
	} {
		g := graph.New()
		x, w := g.Input("x", graph.Float64, tt.xs...), g.Input("w", graph.Float64, tt.ws...)
		require.NotPanics(t, func() { tt.build(x, w) })
		assert.EqualError(t, g.Err(), tt.want, tt.want)
	}
	g := graph.New()
	ops.Conv(g.Input("x", graph.Int64, 1, 1, 3), g.Input("w", graph.Int64, 1, 1, 1), nil, ops.ConvOptions{})
	assert.True(t, strings.HasSuffix(g.Err().Error(), "input 0 has dtype int64, want float32 or float64"), g.Err())
}
